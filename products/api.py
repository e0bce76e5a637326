from functools import cache
from typing import Any

import django_filters as filters
import orjson
from django.db import connection
from django.db.models import F, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from catalogue.api.filters import VocabularyFilter
from catalogue.api.renderers import RawJSON
from catalogue.api.rows import (
    ROW_JSON,
    PlainFields,
    json_rows,
    one_record,
    sources_by_record,
    sql_datetime,
    sql_sources,
)
from catalogue.api.views import CatalogueViewSet, VocabularyViewSet
from catalogue.filters import StrictBooleanFilter
from institutions.refs import institution_ref_sql, institution_refs, region_ref_sql
from products.filters import CaseFilter, ProductFilter
from products.history import HistoryMixin
from products.models import Case, Category, Product, ProductTerm, Theme
from products.serializers import (
    CaseSerializer,
    CategorySerializer,
    ProductSerializer,
    ThemeSerializer,
    category_refs,
    write_cases,
)
from products.terms import terms_data

# The fields each writer fills from the record's own row; the rest are references, written below.
PRODUCT_REFS = ("institution", "category", "themes", "sources", "terms")


@cache
def product_plain() -> PlainFields:
    return PlainFields(ProductSerializer, [f for f in ProductSerializer.Meta.fields if f not in PRODUCT_REFS])


# On PostgreSQL a product's row carries its themes and sources as JSON (`product_refs_sql`), so
# a page is one statement for the rows and one for the terms (which need translated labels), not
# four: each statement is a round trip of several ms on a loaded host.
PRODUCT_REFS_JSON = "product_refs"


def product_refs_sql() -> str:
    """SQL of [theme slugs, sources] of the product in the enclosing statement, as text."""
    qn = connection.ops.quote_name
    p = qn(Product._meta.db_table)
    through, theme = Product.themes.through._meta, Theme._meta
    return (
        "json_build_array((SELECT COALESCE(json_agg(t.slug ORDER BY t.position, t.slug), '[]'::json) "
        f"FROM {qn(through.db_table)} pt JOIN {qn(theme.db_table)} t ON t.id = pt.theme_id "
        f"WHERE pt.product_id = {p}.id), {sql_sources(Product, p)})::text"
    )


def _themes_and_sources(products: list[Product]) -> tuple[dict[int, list[str]], dict[int, list[dict]]]:
    """{id: theme slugs}, {id: sources}: from the rows' own JSON where PostgreSQL wrote it, else
    one query each."""
    if products and all(hasattr(p, PRODUCT_REFS_JSON) for p in products):
        themes, sources = {}, {}
        for p in products:
            themes[p.pk], sources[p.pk] = orjson.loads(getattr(p, PRODUCT_REFS_JSON))
        return themes, sources
    ids = [p.pk for p in products]
    themes = {}
    through = Product.themes.through.objects.filter(product_id__in=ids)
    for product, slug in through.order_by("theme__position", "theme__slug").values_list(
        "product_id", "theme__slug"
    ):
        themes.setdefault(product, []).append(slug)
    return themes, sources_by_record(Product, ids)


def write_products(products: list[Product], version: str) -> list[dict[str, Any]]:
    """Products as ProductSerializer writes them (rows.py says why), from the products' own rows
    (with their themes and sources on PostgreSQL) plus a query for their terms."""
    ids = [p.pk for p in products]
    themes, sources = _themes_and_sources(products)
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


def case_json_sql() -> str:
    """SQL of a case as CaseSerializer writes it (write_cases is the same in Python), one
    json_build_object per row of products_case: references by correlated lookups on primary keys."""
    qn = connection.ops.quote_name
    c = qn(Case._meta.db_table)
    product, category = qn(Product._meta.db_table), qn(Category._meta.db_table)
    plain = ", ".join(
        f"'{name}', {c}.{qn(name)}"
        for name in ("id", "key", "status", "date", "currency", "term_months", "client")
    )
    return (
        f"json_build_object({plain}, 'amount', {c}.amount::text, "
        f"'institution', {institution_ref_sql(f'{c}.institution_id')}, "
        # The category as a lookup inside the product's: a join here was planned as a hash join
        # over every category, per row (0.44 against 0.26 ms of 51 rows' execution).
        "'product', (SELECT json_build_object('id', p.id, 'name', p.name, 'category', "
        "(SELECT json_build_object('slug', k.slug, 'name', k.name, 'name_en', k.name_en) "
        f"FROM {category} k WHERE k.id = p.category_id)) "
        f"FROM {product} p WHERE p.id = {c}.product_id), "
        f"'province', {region_ref_sql(f'{c}.province_id')}, 'city', {region_ref_sql(f'{c}.city_id')}, "
        f"'milestone', {c}.milestone, 'summary', {c}.summary, 'sources', {sql_sources(Case, c)}, "
        f"'created', {sql_datetime(f'{c}.created')}, 'modified', {sql_datetime(f'{c}.modified')})::text"
    )


def product_json_sql() -> str:
    """SQL of a product as ProductSerializer writes it, but for its terms (null here: their
    values are written in Python, `write_product_rows`), one json_build_object per row."""
    qn = connection.ops.quote_name
    p = qn(Product._meta.db_table)
    category = qn(Category._meta.db_table)
    through, theme = Product.themes.through._meta, Theme._meta
    plain = lambda names: ", ".join(f"'{name}', {p}.{qn(name)}" for name in names)  # noqa: E731
    return (
        f"json_build_object({plain(('id', 'key', 'status', 'name', 'name_is_descriptive'))}, "
        f"'institution', {institution_ref_sql(f'{p}.institution_id')}, "
        "'category', (SELECT json_build_object('slug', k.slug, 'name', k.name, 'name_en', k.name_en) "
        f"FROM {category} k WHERE k.id = {p}.category_id), "
        "'themes', (SELECT COALESCE(json_agg(t.slug ORDER BY t.position, t.slug), '[]'::json) "
        f"FROM {qn(through.db_table)} pt JOIN {qn(theme.db_table)} t ON t.id = pt.theme_id "
        f"WHERE pt.product_id = {p}.id), "
        f"{plain(('target_clients', 'collateral', 'description'))}, 'terms', NULL, "
        f"'sources', {sql_sources(Product, p)}, "
        f"'created', {sql_datetime(f'{p}.created')}, 'modified', {sql_datetime(f'{p}.modified')})::text"
    )


def product_terms(ids: list[int]) -> dict[int, dict[str, Any]]:
    """{product id: its terms as the API writes them}, in one query (none when `ids` is empty)."""
    terms: dict[int, list[ProductTerm]] = {}
    if ids:
        for term in ProductTerm.objects.filter(product_id__in=ids).select_related(
            "document", "province", "city"
        ):
            terms.setdefault(term.product_id, []).append(term)
    return {pk: terms_data(terms.get(pk, [])) for pk in ids}


# Whether a product has terms at all, read in its row's statement: a page none of whose products
# has any (most products state none) is then one statement, not two (the terms query was ~1.5 ms
# of ORM and a round trip, to read nothing).
HAS_TERMS = "has_terms"
LATEST_CASE_DATE = "latest_case_date"  # products.filters.ProductFilter's annotation


def has_terms_sql() -> str:
    qn = connection.ops.quote_name
    term = ProductTerm._meta
    product = qn(Product._meta.db_table)
    return (
        f"EXISTS (SELECT 1 FROM {qn(term.db_table)} t "
        f"WHERE t.{qn(term.get_field('product').column)} = {product}.id)"
    )


def write_product_rows(rows: list[Any]) -> list[dict[str, Any]]:
    """Products whose rows carry their JSON from PostgreSQL (`product_json_sql`), their terms
    filled in: the JSON parsed (orjson keeps its key order), no model field written in Python."""
    with_terms = [row.pk for row in rows if getattr(row, HAS_TERMS, True)]
    terms = product_terms(with_terms)
    out = []
    for row in rows:
        product = orjson.loads(getattr(row, ROW_JSON))
        product["terms"] = terms[row.pk] if row.pk in terms else terms_data([])
        out.append(product)
    return out


class RowWriterMixin:
    """List and detail written by `writer` from the records' own rows (no joins, no nested
    serializers); exports and the schema keep the serializer. See catalogue/api/rows.py.

    On PostgreSQL, a resource with `json_sql` reads its page or record in one statement whose
    rows carry their JSON (`row_json`), written into the response as it is."""

    writer: Any = None
    json_sql: Any = None  # () -> SQL of one row's JSON, for PostgreSQL

    def rows_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related(None).prefetch_related(None)

    def page_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = self.rows_queryset(queryset)
        if self.json_sql is None or connection.vendor != "postgresql":
            return queryset
        # Only what the paginator reads (the sync cursor's keys); the rest is in the JSON.
        return queryset.only("pk", "modified").annotate(**{ROW_JSON: RawSQL(type(self).json_sql(), ())})

    def get_detail_queryset(self) -> QuerySet:
        return self.page_queryset(super().get_detail_queryset())

    def get_object(self) -> Any:
        """A record's JSON by its compiled statement (rows.one_record) on PostgreSQL; the same
        404s as DRF's get_object_or_404: bare for an id that is no number, with Django's message
        for one that matches nothing."""
        if not (
            self.action == "retrieve"
            and self.json_sql is not None
            and self.lookup_field == "pk"
            and connection.vendor == "postgresql"
        ):
            return super().get_object()
        try:
            pk = int(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        except (TypeError, ValueError):
            raise Http404 from None
        model = self.queryset.model
        key = (type(self), timezone.get_current_timezone_name())
        instance = one_record(model, key, pk, self.get_detail_queryset)
        if instance is None:
            raise Http404(f"No {model._meta.object_name} matches the given query.")
        self.check_object_permissions(self.request, instance)
        return instance

    def write_page(self, page: list) -> Any:
        written = json_rows(page)
        if written is not None:
            return written
        return type(self).writer(page, self.catalogue_version()) if page else []

    def write_object(self, instance: Any) -> Any:
        if hasattr(instance, ROW_JSON):
            return RawJSON(getattr(instance, ROW_JSON))
        return type(self).writer([instance], self.catalogue_version())[0]


class ProductViewSet(RowWriterMixin, HistoryMixin, CatalogueViewSet):
    """Products (what an institution offers) with their institution, category, themes and sources.
    Filters are those of the products page; `ordering` is the page's sort."""

    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    queryset = Product.objects.for_listing().with_terms().order_by("name_sort", "name", "id")
    writer = write_products

    def rows_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().rows_queryset(queryset)
        if connection.vendor != "postgresql":
            return queryset
        return queryset.annotate(
            **{PRODUCT_REFS_JSON: RawSQL(product_refs_sql(), (), output_field=TextField())}
        )

    def page_queryset(self, queryset: QuerySet) -> QuerySet:
        if connection.vendor != "postgresql":
            return super().page_queryset(queryset)
        # A page or record is its JSON from PostgreSQL plus one query for the terms
        # (write_product_rows); rows_queryset's themes and sources are for exports.
        queryset = queryset.select_related(None).prefetch_related(None).only("pk", "modified")
        queryset = queryset.annotate(
            **{ROW_JSON: RawSQL(product_json_sql(), ()), HAS_TERMS: RawSQL(has_terms_sql(), ())}
        )
        # The filter's latest-case date is for ordering only: not selected, it is computed only
        # where ORDER BY asks for it (a subquery per row of the page otherwise).
        query = queryset.query
        if LATEST_CASE_DATE in query.annotation_select:
            query.set_annotation_mask(set(query.annotation_select) - {LATEST_CASE_DATE})
        return queryset

    def write_page(self, page: list) -> Any:
        if page and all(hasattr(row, ROW_JSON) for row in page):
            return write_product_rows(page)
        return super().write_page(page)

    def write_object(self, instance: Any) -> Any:
        if hasattr(instance, ROW_JSON):
            return write_product_rows([instance])[0]
        return super().write_object(instance)


class CaseViewSet(RowWriterMixin, HistoryMixin, CatalogueViewSet):
    """Cases (落地案例): one dated use of a product at an institution, newest first."""

    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    # Undated cases last, as on the HTML list: PostgreSQL would put NULLs first when descending.
    queryset = Case.objects.for_listing().order_by(F("date").desc(nulls_last=True), "-id")
    writer = write_cases
    json_sql = case_json_sql


class CategoryFilter(VocabularyFilter):
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


class CategoryViewSet(VocabularyViewSet):
    """The product-category tree, in display order; `parent` links a category to the one above."""

    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    queryset = Category.objects.select_related("parent").order_by("position", "slug")
    ordering_fields = {"position": "position", "slug": "slug", "name": "name"}


class ThemeViewSet(VocabularyViewSet):
    """The five themes that cut across categories (科技, 绿色, 普惠, 养老, 数字金融)."""

    serializer_class = ThemeSerializer
    filterset_class = VocabularyFilter
    queryset = Theme.objects.order_by("position", "slug")
