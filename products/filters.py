"""One FilterSet per listing: the same filters serve the HTML pages and the API."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q, QuerySet

from catalogue.filters import SearchFilterSet
from institutions.models import Institution, Region
from products.models import Case, Category, Product, Theme


def category_and_descendants(slug_or_category: str | Category) -> list[int]:
    """Ids of a category and everything below it (the tree is small and shallow)."""
    cats = list(Category.objects.values_list("id", "slug", "parent_id"))
    root = (
        slug_or_category.pk
        if isinstance(slug_or_category, Category)
        else next((i for i, s, _ in cats if s == slug_or_category), None)
    )
    ids, frontier = set(), {root} if root else set()
    while frontier:
        ids |= frontier
        frontier = {i for i, _, p in cats if p in frontier} - ids
    return list(ids)


def institution_and_branches(institution: Institution) -> Q:
    return Q(pk=institution.pk) | Q(head_office=institution)


class RegionChoice(filters.ModelChoiceFilter):
    """A region by GB/T 2260 code; unknown codes are a validation error (400 / form error)."""

    def __init__(self, level: str, **kwargs) -> None:
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("queryset", Region.objects.filter(level=level))
        super().__init__(**kwargs)


class ProductFilter(SearchFilterSet):
    category = filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        method="filter_category",
        help_text="category slug; includes its sub-categories",
    )
    theme = filters.ModelMultipleChoiceFilter(
        queryset=Theme.objects.all(), to_field_name="slug", field_name="themes", help_text="theme slug(s)"
    )
    institution = filters.ModelChoiceFilter(
        queryset=Institution.objects.all(),
        method="filter_institution",
        help_text="institution id; a head office includes its branches",
    )
    institution_kind = filters.MultipleChoiceFilter(
        field_name="institution__kind", choices=Institution.Kind.choices, help_text="institution kind(s)"
    )
    province = RegionChoice(
        "province", method="filter_province", help_text="GB/T 2260 province code of a case"
    )

    class Meta:
        model = Product
        fields = ["q", "category", "theme", "institution", "institution_kind", "province"]

    def filter_category(self, qs: QuerySet, name: str, value: Category) -> QuerySet:
        return qs.filter(category_id__in=category_and_descendants(value)) if value else qs

    def filter_institution(self, qs: QuerySet, name: str, value: Institution) -> QuerySet:
        if not value:
            return qs
        return qs.filter(
            Q(institution=value)
            | Q(institution__head_office=value)
            | Q(cases__institution__in=Institution.objects.filter(institution_and_branches(value)))
        ).distinct()

    def filter_province(self, qs: QuerySet, name: str, value: Region) -> QuerySet:
        # A product is "in" a province where one of its cases happened (a subquery, not a join,
        # so no duplicate rows and no DISTINCT over the whole list).
        return qs.filter(pk__in=Case.objects.filter(province=value).values("product_id")) if value else qs


class CaseFilter(SearchFilterSet):
    category = filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        method="filter_category",
        help_text="category slug; includes its sub-categories",
    )
    theme = filters.ModelMultipleChoiceFilter(
        queryset=Theme.objects.all(),
        to_field_name="slug",
        field_name="product__themes",
        help_text="theme slug(s)",
    )
    product = filters.NumberFilter(field_name="product_id")
    institution = filters.ModelChoiceFilter(
        queryset=Institution.objects.all(),
        method="filter_institution",
        help_text="institution id; a head office includes its branches",
    )
    institution_kind = filters.MultipleChoiceFilter(
        method="filter_institution_kind",
        choices=Institution.Kind.choices,
        help_text="kind of the institution or of its head office",
    )
    province = RegionChoice("province", field_name="province", help_text="GB/T 2260 province code")
    city = RegionChoice("city", field_name="city", help_text="GB/T 2260 city code")
    date_after = filters.DateFilter(
        field_name="date", lookup_expr="gte", help_text="on or after (YYYY-MM-DD)"
    )
    date_before = filters.DateFilter(
        field_name="date", lookup_expr="lte", help_text="on or before (YYYY-MM-DD)"
    )
    amount_min = filters.NumberFilter(field_name="amount", lookup_expr="gte", min_value=0)
    amount_max = filters.NumberFilter(field_name="amount", lookup_expr="lte", min_value=0)
    currency = filters.CharFilter(field_name="currency", help_text="ISO 4217 code, e.g. CNY")

    class Meta:
        model = Case
        fields = [
            "q",
            "category",
            "theme",
            "product",
            "institution",
            "institution_kind",
            "province",
            "city",
            "date_after",
            "date_before",
            "amount_min",
            "amount_max",
            "currency",
        ]

    def filter_category(self, qs: QuerySet, name: str, value: Category) -> QuerySet:
        return qs.filter(product__category_id__in=category_and_descendants(value)) if value else qs

    def filter_institution(self, qs: QuerySet, name: str, value: Institution) -> QuerySet:
        return qs.filter(Q(institution=value) | Q(institution__head_office=value)) if value else qs

    def filter_institution_kind(self, qs: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return qs
        return qs.filter(Q(institution__kind__in=value) | Q(institution__head_office__kind__in=value))
