"""One FilterSet per listing: the same filters serve the HTML pages and the API."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import django_filters as filters
from django.core.validators import RegexValidator
from django.db.models import Case as CaseWhen
from django.db.models import OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from catalogue.filters import NullsLastOrderingFilter, SearchFilterSet, record_ordering
from catalogue.models import Status
from institutions.filters import RegionChoice
from institutions.models import Institution, family_q
from products.models import TERM_VOCABULARY, Case, Category, Product, ProductTerm, TermField, TermWord, Theme

currency_code = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code such as CNY."))


DEFAULT_CURRENCY = "CNY"
AMOUNT_HELP = "in units of `currency` (CNY when none is given); amounts in other currencies are left out"


def amount_currency(cleaned: dict[str, Any]) -> str:
    """The currency amount bounds and amount sorts work in: the chosen one, else CNY."""
    return cleaned.get("currency") or DEFAULT_CURRENCY


class AmountOrderingFilter(NullsLastOrderingFilter):
    """Sorting by amount never ranks one currency's number against another's: amounts in the
    chosen currency (CNY when none is chosen) come first in the asked order, then the other
    currencies' amounts, then cases without an amount."""

    def filter(self, qs: QuerySet, value):
        qs = super().filter(qs, value)
        if not value or value[0].lstrip("-") != "amount":
            return qs
        rank = CaseWhen(
            When(amount__isnull=True, then=Value(2)),
            When(currency=amount_currency(self.parent.form.cleaned_data), then=Value(0)),
            default=Value(1),
        )
        return qs.order_by(rank, *qs.query.order_by)


def slugs_filter(
    model: type, field_name: str, label: str, help_text: str
) -> filters.ModelMultipleChoiceFilter:
    """Records filed under any of the given slugs of a vocabulary (themes, topics, categories)."""
    return filters.ModelMultipleChoiceFilter(
        queryset=model.objects.all(),
        to_field_name="slug",
        field_name=field_name,
        label=label,
        help_text=help_text,
    )


def _product_words(field_name: str, label: str, what: str) -> filters.CharFilter:
    """Words found in one of the product's text fields (target clients, collateral)."""
    return filters.CharFilter(
        field_name=field_name,
        lookup_expr="icontains",
        max_length=100,
        label=label,
        help_text=f"words in the product's {what}",
    )


def _category_filter(**kwargs) -> filters.ModelChoiceFilter:
    return filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        label=_("Category"),
        help_text="category slug; includes its sub-categories",
        **kwargs,
    )


def _institution_filter(**kwargs) -> filters.ModelChoiceFilter:
    return filters.ModelChoiceFilter(
        queryset=Institution.objects.all(),
        label=_("Institution"),
        help_text="institution id; a head office includes its branches",
        **kwargs,
    )


def _kind_filter(**kwargs) -> filters.MultipleChoiceFilter:
    return filters.MultipleChoiceFilter(
        choices=Institution.Kind.choices,
        label=_("Institution kind"),
        help_text="kind of the institution, or of its head office for a branch",
        **kwargs,
    )


def word_choices(field: str) -> list[tuple[str, str]]:
    """The words of a terms vocabulary, read when a form is built (they live in the database)."""
    return [(w.slug, w.display_name) for w in TermWord.objects.filter(vocabulary=TERM_VOCABULARY[field])]


def _term_filter(field: str, label: str, help_text: str) -> filters.MultipleChoiceFilter:
    return filters.MultipleChoiceFilter(
        choices=lambda: word_choices(field), method="filter_term", label=label, help_text=help_text
    )


# Filter name → the term field it reads (a product matches if any chosen value is stated for it).
TERM_FILTERS = {
    "collateral_type": TermField.COLLATERAL,
    "label": TermField.LABEL,
    "programme_kind": TermField.PROGRAMME_KIND,
}


class ByCategory:
    """The category filter of cases and products: a category includes its sub-categories, looked
    up once per request however often the facets re-apply the filter."""

    def category_ids(self, category: Category) -> list[int]:
        cache = self.__dict__.setdefault("_category_ids", {})
        if category.pk not in cache:
            cache[category.pk] = list(Category.objects.subtree(category).values_list("pk", flat=True))
        return cache[category.pk]


class ByInstitution:
    """Institution filters for records with an `institution` (cases, products): a head office
    includes its branches, and a branch counts as its head office's kind."""

    def filter_institution(self, qs: QuerySet, name: str, value: Institution) -> QuerySet:
        return qs.filter(family_q(value, "institution")) if value else qs

    def filter_institution_kind(self, qs: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return qs
        return qs.filter(Q(institution__kind__in=value) | Q(institution__head_office__kind__in=value))


class CaseFilter(ByCategory, ByInstitution, SearchFilterSet):
    ranges = (("date_after", "date_before"), ("amount_min", "amount_max"))

    category = _category_filter(method="filter_category")
    theme = slugs_filter(Theme, "product__themes__slug", _("Theme"), "theme slug(s)")
    product = filters.NumberFilter(
        field_name="product_id", label=_("Product"), min_value=1, help_text="id of the product"
    )
    institution = _institution_filter(method="filter_institution")
    institution_kind = _kind_filter(method="filter_institution_kind")
    province = RegionChoice(
        "province", field_name="province", label=_("Province"), help_text="GB/T 2260 province code"
    )
    city = RegionChoice("city", field_name="city", label=_("City"), help_text="GB/T 2260 city code")
    date_after = filters.DateFilter(
        field_name="date", lookup_expr="gte", label=_("From"), help_text="on or after (YYYY-MM-DD)"
    )
    date_before = filters.DateFilter(
        field_name="date", lookup_expr="lte", label=_("To"), help_text="on or before (YYYY-MM-DD)"
    )
    amount_min = filters.NumberFilter(
        method="filter_amount", min_value=0, label=_("Minimum amount"), help_text=AMOUNT_HELP
    )
    amount_max = filters.NumberFilter(
        method="filter_amount", min_value=0, label=_("Maximum amount"), help_text=AMOUNT_HELP
    )
    currency = filters.CharFilter(
        field_name="currency",
        label=_("Currency"),
        validators=[currency_code],
        help_text="ISO 4217 code, e.g. CNY",
    )
    target_clients = _product_words("product__target_clients", _("Target clients"), "target clients")
    collateral = _product_words("product__collateral", _("Collateral"), "collateral")
    ordering = AmountOrderingFilter(
        fields=(
            ("date", "date"),
            ("amount", "amount"),
            ("product__name_sort", "name"),
            ("modified", "modified"),
        ),
        label=_("Sort"),
        help_text="date, amount, name or modified; prefix - for descending. Amounts sort within "
        "the chosen currency (CNY when none is chosen) first, other currencies after: never converted",
    )

    class Meta(SearchFilterSet.Meta):
        model = Case

    def filter_category(self, qs: QuerySet, name: str, value: Category) -> QuerySet:
        return qs.filter(product__category_id__in=self.category_ids(value)) if value else qs

    def filter_queryset(self, queryset: QuerySet, exclude: Collection[str] = ()) -> QuerySet:
        self._excluded = set(exclude)
        return super().filter_queryset(queryset, exclude)

    def filter_amount(self, qs: QuerySet, name: str, value: Any) -> QuerySet:
        """A bound on the amount holds within one currency (the chosen one, else CNY): there is
        no cited exchange-rate table, and 5000万 of one currency is not 5000万 of another. When
        the currency facet is being counted, each currency is counted under the bound in its own
        units, which is the list a click on it gives."""
        if value is None:
            return qs
        qs = qs.filter(**{"amount__gte" if name == "amount_min" else "amount__lte": value})
        if "currency" in getattr(self, "_excluded", ()):
            return qs
        return qs.filter(currency=amount_currency(self.form.cleaned_data))


# Product filters about where, when and how much are answered by the product's cases; they are
# combined into ONE subquery so "湖南 and May 2024" means one case that is both.
CASE_SCOPED = {
    "province": "province",
    "city": "city",
    "date_after": "date__gte",
    "date_before": "date__lte",
    "amount_min": "amount__gte",
    "amount_max": "amount__lte",
    "currency": "currency",
}


class ProductFilter(ByCategory, ByInstitution, SearchFilterSet):
    ranges = (("date_after", "date_before"), ("amount_min", "amount_max"))

    category = _category_filter(method="filter_category")
    theme = slugs_filter(Theme, "themes__slug", _("Theme"), "theme slug(s)")
    institution = _institution_filter(method="filter_institution")
    institution_kind = _kind_filter(method="filter_institution_kind")
    province = RegionChoice(
        "province",
        method="via_cases",
        label=_("Province"),
        help_text="GB/T 2260 province code of one of its cases",
    )
    city = RegionChoice(
        "city", method="via_cases", label=_("City"), help_text="GB/T 2260 city code of one of its cases"
    )
    date_after = filters.DateFilter(
        method="via_cases", label=_("From"), help_text="a case on or after (YYYY-MM-DD)"
    )
    date_before = filters.DateFilter(
        method="via_cases", label=_("To"), help_text="a case on or before (YYYY-MM-DD)"
    )
    amount_min = filters.NumberFilter(
        method="via_cases",
        min_value=0,
        label=_("Minimum amount"),
        help_text=f"a case's amount, {AMOUNT_HELP}",
    )
    amount_max = filters.NumberFilter(
        method="via_cases",
        min_value=0,
        label=_("Maximum amount"),
        help_text=f"a case's amount, {AMOUNT_HELP}",
    )
    currency = filters.CharFilter(
        method="via_cases",
        validators=[currency_code],
        label=_("Currency"),
        help_text="a case in this ISO 4217 currency, e.g. CNY",
    )
    target_clients = _product_words("target_clients", _("Target clients"), "target clients")
    collateral = _product_words("collateral", _("Collateral"), "collateral")
    collateral_type = _term_filter(
        TermField.COLLATERAL, _("Collateral type"), "collateral type slug(s) stated in the terms"
    )
    label = _term_filter(
        TermField.LABEL, _("Eligible firms"), "eligible-firm label slug(s) stated in the terms"
    )
    programme_kind = _term_filter(
        TermField.PROGRAMME_KIND,
        _("Programme kind"),
        "bank_product, government_programme, policy_tool or platform_service",
    )
    ordering = record_ordering(
        "latest_case_date", "name", "date (of the latest case), name or modified; prefix - for descending"
    )

    class Meta(SearchFilterSet.Meta):
        model = Product

    def filter_term(self, qs: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return qs
        terms = ProductTerm.objects.filter(field=TERM_FILTERS[name], value__in=value)
        return qs.filter(pk__in=terms.values("product_id"))

    def filter_queryset(self, queryset: QuerySet, exclude: Collection[str] = ()) -> QuerySet:
        # ORDER BY … LIMIT 1 rather than MAX … GROUP BY: PostgreSQL then reads one entry from the
        # (product, status, date) index per product instead of all of the product's cases.
        latest = Case.objects.filter(
            product=OuterRef("pk"), status=Status.PUBLISHED, date__isnull=False
        ).order_by("-date")
        queryset = queryset.annotate(latest_case_date=Subquery(latest.values("date")[:1]))
        queryset = super().filter_queryset(queryset, exclude)
        wanted = self.case_conditions(exclude)
        if wanted:
            queryset = queryset.filter(
                pk__in=Case.objects.filter(status=Status.PUBLISHED, **wanted).values("product_id")
            )
        return queryset

    def case_conditions(self, exclude: Collection[str] = ()) -> dict[str, Any]:
        """The case-level lookups asked for (what one of the product's cases must satisfy)."""
        data = self.form.cleaned_data
        wanted = {
            lookup: data[name]
            for name, lookup in CASE_SCOPED.items()
            if name not in exclude and data.get(name) not in (None, "")
        }
        # An amount bound holds within one currency, as on the case list.
        if {"amount__gte", "amount__lte"} & set(wanted) and "currency" not in exclude:
            wanted["currency"] = amount_currency(data)
        return wanted

    def via_cases(self, qs: QuerySet, name: str, value: Any) -> QuerySet:
        return qs  # applied together in filter_queryset

    def filter_category(self, qs: QuerySet, name: str, value: Category) -> QuerySet:
        return qs.filter(category_id__in=self.category_ids(value)) if value else qs
