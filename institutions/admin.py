from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from catalogue.admin import PublishableAdmin, SourceInline
from institutions.models import Institution, InstitutionAlias, Metric, MetricSource, Region
from institutions.services import institution_check_parent, institution_set_parent


class RegionInUseFilter(admin.SimpleListFilter):
    """A region filter listing only regions the records use: the plain field filter listed all
    3,220 regions (a 330 KB list page). Subclass with `field_name` set; the parameter is the
    field name, the value a GB/T 2260 code."""

    field_name = "province"
    title = _("province")
    parameter_name = "province"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        used = (
            model_admin.model._default_manager.order_by()
            .exclude(**{f"{self.field_name}__isnull": True})
            .values_list(self.field_name, flat=True)
            .distinct()
        )
        return [(r.code, r.display_name) for r in Region.objects.filter(code__in=used).order_by("code")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.field_name}_id": self.value()})
        return queryset


class CityInUseFilter(RegionInUseFilter):
    field_name = "city"
    title = _("city")
    parameter_name = "city"


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name", "short_name", "name_en"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


class AliasInline(admin.TabularInline):
    model = InstitutionAlias
    extra = 0


class BranchInline(admin.TabularInline):
    model = Institution
    fk_name = "parent"
    fields = ["name", "kind", "province", "city"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("branches")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class InstitutionForm(forms.ModelForm):
    class Meta:
        model = Institution
        # A curator who corrects an English name says how it was obtained (official once checked).
        fields = [
            "name",
            "short_name",
            "name_en",
            "name_en_method",
            "kind",
            "parent",
            "province",
            "city",
            "district",
        ]

    def clean(self) -> dict:
        data = super().clean()
        institution_check_parent(institution=self.instance, parent=data.get("parent"))
        return data


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    form = InstitutionForm
    list_display = ["name", "short_name", "kind", "parent", "head_office", "province", "city", "branch_count"]
    list_filter = ["kind", ("parent", admin.EmptyFieldListFilter), RegionInUseFilter]
    search_fields = ["name", "short_name", "name_en", "aliases__name"]
    list_select_related = ["parent", "head_office", "province", "city"]
    autocomplete_fields = ["parent", "province", "city", "district"]
    readonly_fields = ["head_office", "hierarchy", "created", "modified"]
    inlines = [AliasInline, BranchInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_branches=Count("branches", distinct=True))

    def save_model(self, request, obj: Institution, form, change: bool) -> None:
        # The parent goes through the service, which rewrites head_office for the whole subtree.
        parent = obj.parent
        if change:
            obj.parent_id = Institution.objects.values_list("parent_id", flat=True).get(pk=obj.pk)
        super().save_model(request, obj, form, change)
        institution_set_parent(institution=obj, parent=parent)

    @admin.display(description=_("branches"), ordering="_branches")
    def branch_count(self, obj: Institution) -> int:
        return obj._branches

    @admin.display(description=_("hierarchy"))
    def hierarchy(self, obj: Institution) -> str:
        chain, node = [], obj
        while node is not None and len(chain) < 10:
            chain.append(node)
            node = node.parent
        return format_html_join(" → ", "{}", ((i.name,) for i in reversed(chain)))


class MetricSourceInline(SourceInline):
    model = MetricSource


@admin.register(Metric)
class MetricAdmin(PublishableAdmin):
    list_display = ["institution", "indicator", "value", "unit", "as_of", "status"]
    list_filter = ["status", "unit", "as_of"]
    search_fields = ["key", "indicator", "institution__name", "sources__excerpt"]
    list_select_related = ["institution"]
    autocomplete_fields = ["institution"]
    inlines = [MetricSourceInline]
