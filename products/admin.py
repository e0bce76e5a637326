from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalogue.admin import NamedHistoryAdmin, PublishableAdmin, SourceInline, VocabularyAdmin
from institutions.admin import CityInUseFilter, RegionInUseFilter
from products.models import Case, CaseSource, Category, Product, ProductSource, ProductTerm, Theme

# The units the documents write amounts in; stored amounts are plain units of the currency.
AMOUNT_UNITS = [
    ("1", _("units (元)")),
    ("10000", _("ten thousands (万)")),
    ("100000000", _("hundred millions (亿)")),
]


class AmountWidget(forms.MultiWidget):
    """A number beside its unit, so 1.2 亿 is typed as the document writes it, not as 120000000."""

    def __init__(self, attrs=None) -> None:
        super().__init__(
            [forms.TextInput(attrs={"size": 14, "inputmode": "decimal"}), forms.Select(choices=AMOUNT_UNITS)],
            attrs,
        )

    def decompress(self, value):
        if value in (None, ""):
            return [None, "1"]
        value = Decimal(value)
        # The largest unit in which the stored amount is exact to four places (1.2 亿, 500 万).
        for factor, _label in reversed(AMOUNT_UNITS):
            scaled = value / Decimal(factor)
            if abs(scaled) >= 1 and scaled == scaled.quantize(Decimal("0.0001")):
                return [format(scaled.normalize(), "f"), factor]
        return [format(value.normalize(), "f"), "1"]


class AmountField(forms.MultiValueField):
    """amount + unit → the amount in units of its currency (two decimal places, as stored)."""

    widget = AmountWidget

    def __init__(self, **kwargs) -> None:
        kwargs.pop("max_digits", None)
        kwargs.pop("decimal_places", None)
        kwargs.pop("max_value", None)
        kwargs.pop("min_value", None)
        kwargs.pop("step_size", None)
        super().__init__(
            fields=[forms.CharField(required=False), forms.ChoiceField(choices=AMOUNT_UNITS, required=False)],
            require_all_fields=False,
            **kwargs,
        )

    def compress(self, data_list):
        if not data_list or data_list[0] in (None, ""):
            return None
        raw = str(data_list[0]).replace(",", "").replace(" ", "")
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise forms.ValidationError(
                _("Type the amount as a number, e.g. 1.2 with the unit 亿.")
            ) from None
        if not number.is_finite():
            raise forms.ValidationError(_("Type the amount as a number, e.g. 1.2 with the unit 亿."))
        if number < 0:
            raise forms.ValidationError(_("The amount cannot be negative."))
        amount = (number * Decimal(data_list[1] or "1")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if amount.adjusted() >= 18:
            raise forms.ValidationError(_("The amount is too large."))
        return amount


class CaseForm(forms.ModelForm):
    amount = AmountField(label=_("amount"), required=False, help_text=_("With its unit: 元, 万元 or 亿元."))

    class Meta:
        model = Case
        fields = [
            "key", "status", "product", "institution", "date", "amount", "currency", "term_months",
            "client", "province", "city", "district", "milestone", "summary",
        ]  # fmt: skip


@admin.register(Category)
class CategoryAdmin(VocabularyAdmin):
    list_display = ["slug", "name", "name_en", "parent", "position"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    list_select_related = ["parent"]


admin.site.register(Theme, VocabularyAdmin)


class ProductSourceInline(SourceInline):
    model = ProductSource


class ProductTermInline(admin.TabularInline):
    """The structured terms, read-only here: they are curated in fixtures/terms/ and reloaded."""

    model = ProductTerm
    fields = ["field", "value", "low", "high", "currency", "province", "city", "locator", "excerpt"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("province", "city")


class CaseInline(admin.TabularInline):
    model = Case
    fields = ["key", "institution", "date", "amount", "currency", "province", "city", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("institution", "province", "city")


@admin.register(Product)
class ProductAdmin(NamedHistoryAdmin, PublishableAdmin):
    list_display = ["name", "institution", "category", "status", "modified"]
    list_filter = ["status", "category", "themes", "institution__kind", "name_is_descriptive"]
    search_fields = ["key", "name", "institution__name", "description", "sources__excerpt"]
    list_select_related = ["institution", "category"]
    autocomplete_fields = ["institution", "category"]
    filter_horizontal = ["themes"]
    inlines = [ProductSourceInline, ProductTermInline, CaseInline]


class CaseSourceInline(SourceInline):
    model = CaseSource


@admin.register(Case)
class CaseAdmin(NamedHistoryAdmin, PublishableAdmin):
    list_display = ["product", "institution", "date", "amount", "currency", "province", "city", "status"]
    form = CaseForm
    list_filter = ["status", "product__category", "currency", RegionInUseFilter, CityInUseFilter, "date"]
    search_fields = ["key", "product__name", "institution__name", "client", "summary", "sources__excerpt"]
    list_select_related = ["product", "institution", "province", "city"]
    autocomplete_fields = ["product", "institution", "province", "city", "district"]
    date_hierarchy = "date"
    inlines = [CaseSourceInline]
