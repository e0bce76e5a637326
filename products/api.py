from functools import cache
from typing import Any

import django_filters as filters
from django.db.models import F, QuerySet

from catalogue.api.filters import NameSearchFilterSet
from catalogue.api.rows import PlainFields, VersionedMap, sources_by_record
from catalogue.api.views import CatalogueViewSet
from catalogue.filters import StrictBooleanFilter
from institutions.refs import institution_refs, region_refs
from products.filters import CaseFilter, ProductFilter
from products.history import HistoryMixin
from products.models import Case, Category, Product, ProductTerm, Theme
from products.serializers import (
    CaseSerializer,
    CategoryRefSerializer,
    CategorySerializer,
    ProductSerializer,
    ThemeSerializer,
)
from products.terms import terms_data


def _categories() -> dict[int, dict]:
    rows = list(Category.objects.order_by("pk"))
    return {c.pk: ref for c, ref in zip(rows, CategoryRefSerializer(rows, many=True).data, strict=True)}


category_refs = VersionedMap(_categories)

# The fields each writer fills from the record's own row; the rest are references, written below.
PRODUCT_REFS = ("institution", "category", "themes", "sources", "terms")
CASE_REFS = ("institution", "product", "province", "city", "sources")


@cache
def product_plain() -> PlainFields:
    return PlainFields(ProductSerializer, [f for f in ProductSerializer.Meta.fields if f not in PRODUCT_REFS])


@cache
def case_plain() -> PlainFields:
    return PlainFields(CaseSerializer, [f for f in CaseSerializer.Meta.fields if f not in CASE_REFS])


def write_products(products: list[Product], version: str) -> list[dict[str, Any]]:
    """Products as ProductSerializer writes them (rows.py says why), from the products' own rows
    plus one query each for their themes, sources and terms."""
    ids = [p.pk for p in products]
    themes: dict[int, list[str]] = {}
    through = Product.themes.through.objects.filter(product_id__in=ids)
    for product, slug in through.order_by("theme__position", "theme__slug").values_list(
        "product_id", "theme__slug"
    ):
        themes.setdefault(product, []).append(slug)
    sources = sources_by_record(Product, ids)
    terms: dict[int, list[ProductTerm]] = {}
    for term in ProductTerm.objects.filter(product_id__in=ids).select_related("document", "province", "city"):
        terms.setdefault(term.product_id, []).append(term)
    institutions = institution_refs.get(version, {p.institution_id for p in products})
    categories = category_refs.get(version, {p.category_id for p in products})
    plain = product_plain()
    out = []
    for p in products:
        row = plain.write(p)
        refs = {
            "institution": institutions[p.institution_id] if p.institution_id is not None else None,
            "category": categories[p.category_id],
            "themes": themes.get(p.pk, []),
            "sources": sources.get(p.pk, []),
            "terms": terms_data(terms.get(p.pk, [])),
        }
        out.append({name: row[name] if name in row else refs[name] for name in ProductSerializer.Meta.fields})
    return out


def write_cases(cases: list[Case], version: str) -> list[dict[str, Any]]:
    """Cases as CaseSerializer writes them (rows.py says why), from the cases' own rows plus one
    query for their products' names and one for their sources."""
    ids = [c.pk for c in cases]
    named = Product.objects.filter(pk__in={c.product_id for c in cases}).order_by()
    named = list(named.values_list("pk", "name", "category_id"))
    categories = category_refs.get(version, {category for _pk, _name, category in named})
    products = {
        pk: {"id": pk, "name": name, "category": categories[category]} for pk, name, category in named
    }
    sources = sources_by_record(Case, ids)
    institutions = institution_refs.get(version, {c.institution_id for c in cases})
    regions = region_refs.get(version, {c.province_id for c in cases} | {c.city_id for c in cases})
    plain = case_plain()
    out = []
    for c in cases:
        row = plain.write(c)
        refs = {
            "institution": institutions[c.institution_id],
            "product": products[c.product_id],
            "province": regions[c.province_id] if c.province_id is not None else None,
            "city": regions[c.city_id] if c.city_id is not None else None,
            "sources": sources.get(c.pk, []),
        }
        out.append({name: row[name] if name in row else refs[name] for name in CaseSerializer.Meta.fields})
    return out


class RowWriterMixin:
    """List and detail written by `writer` from the records' own rows (no joins, no nested
    serializers); exports and the schema keep the serializer. See catalogue/api/rows.py."""

    writer: Any = None

    def rows_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related(None).prefetch_related(None)

    def get_detail_queryset(self) -> QuerySet:
        return self.rows_queryset(super().get_detail_queryset())

    def write_page(self, page: list) -> list[dict[str, Any]]:
        return type(self).writer(page, self.catalogue_version()) if page else []

    def write_object(self, instance: Any) -> dict[str, Any]:
        return type(self).writer([instance], self.catalogue_version())[0]


class ProductViewSet(RowWriterMixin, HistoryMixin, CatalogueViewSet):
    """Products (what an institution offers) with their institution, category, themes and sources.
    Filters are those of the products page; `ordering` is the page's sort."""

    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    queryset = Product.objects.for_listing().with_terms().order_by("name_sort", "name", "id")
    writer = write_products


class CaseViewSet(RowWriterMixin, HistoryMixin, CatalogueViewSet):
    """Cases (落地案例): one dated use of a product at an institution, newest first."""

    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    # Undated cases last, as on the HTML list: PostgreSQL would put NULLs first when descending.
    queryset = Case.objects.for_listing().order_by(F("date").desc(nulls_last=True), "-id")
    writer = write_cases


class CategoryFilter(NameSearchFilterSet):
    search_fields = ("slug", "name", "name_en")
    parent = filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        help_text="Slug of a category: its sub-categories.",
    )
    top_level = StrictBooleanFilter(
        field_name="parent", lookup_expr="isnull", help_text="true: only top-level categories."
    )

    class Meta:
        model = Category
        fields = ["q", "parent", "top_level"]


class CategoryViewSet(CatalogueViewSet):
    """The product-category tree, in display order; `parent` links a category to the one above."""

    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    queryset = Category.objects.select_related("parent").order_by("position", "slug")
    lookup_field = "slug"
    ordering_fields = {"position": "position", "slug": "slug", "name": "name"}


class ThemeFilter(NameSearchFilterSet):
    search_fields = ("slug", "name", "name_en")

    class Meta:
        model = Theme
        fields = ["q"]


class ThemeViewSet(CatalogueViewSet):
    """The five themes that cut across categories (科技, 绿色, 普惠, 养老, 数字金融)."""

    serializer_class = ThemeSerializer
    filterset_class = ThemeFilter
    queryset = Theme.objects.order_by("position", "slug")
    lookup_field = "slug"
    ordering_fields = {"position": "position", "slug": "slug"}
