"""Reads of products and cases shared by several pages and the API."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from django.db import connection
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from catalogue.models import Status
from institutions.models import Institution, Region, family_q
from products.models import Case, Product

NEWEST = (F("date").desc(nulls_last=True), "-id")


def _bank(institution: Institution | None) -> int | None:
    """The head office a record's institution belongs to: what "the same bank" means."""
    return None if institution is None else institution.head_office_id or institution.pk


def _candidates(
    product: Product, province: Region | None, include_own_bank: bool, per: int
) -> dict[tuple, QuerySet]:
    """The cases that can be among the product's first `per` peers, as id querysets: the newest
    `per` of its own cases and of its category's, each also within the preferred province. Each is
    a LIMIT an index answers, so the peers of a product never sort its whole category. Keyed by
    what they select, so products of one category (and bank, when it is left out) share theirs."""
    bank = None if include_own_bank or product.institution is None else _bank(product.institution)
    peers = Case.objects.published().filter(product__category_id=product.category_id)
    if bank is not None:
        peers = peers.exclude(institution__in=Institution.objects.family_of(bank))
    groups = {
        ("own", product.pk): peers.filter(product=product),
        ("category", product.category_id, bank): peers,
    }
    if province is not None:
        groups |= {(*key, "here"): g.filter(province=province) for key, g in groups.items()}
    return {key: g.order_by(*NEWEST).values("pk")[:per] for key, g in groups.items()}


def _any_of(groups: list[QuerySet]) -> Q:
    """Cases in any of the id querysets: one IN over their UNION ALL where the database allows a
    LIMIT inside a compound query (PostgreSQL: the outer query then reads only those rows by
    primary key), else one IN per queryset (SQLite, whose catalogue is small)."""
    if connection.features.supports_slicing_ordering_in_compound:
        return Q(pk__in=groups[0].union(*groups[1:], all=True))
    q = Q()
    for group in groups:
        q |= Q(pk__in=group)
    return q


def _candidate_ids(products: Sequence[Product], province: Region | None, per: int) -> list[int]:
    """The ids `_candidates` selects (own bank included), in one statement of constant text: a
    LATERAL LIMIT per product and per category (and each within the province), the products and
    categories passed as arrays. The ORM's UNION of one sub-query per group cost more to build and
    to plan (about 30 sub-queries for ten products) than to run."""
    case, product = Case._meta.db_table, Product._meta.db_table
    newest = f"SELECT c.id FROM {case} c JOIN {product} p ON p.id = c.product_id WHERE c.status = %s"
    order = 'ORDER BY c."date" DESC NULLS LAST, c.id DESC LIMIT %s'
    own = f"SELECT x.id FROM unnest(%s::bigint[], %s::bigint[]) g(prod, cat) CROSS JOIN LATERAL ({newest}"
    own += " AND c.product_id = g.prod AND p.category_id = g.cat {here} " + order + ") x"
    category = f"SELECT x.id FROM unnest(%s::bigint[]) g(cat) CROSS JOIN LATERAL ({newest}"
    category += " AND p.category_id = g.cat {here} " + order + ") x"
    prods, cats = [p.pk for p in products], [p.category_id for p in products]
    cat_ids = sorted(set(cats))
    branches = [own.format(here=""), category.format(here="")]
    params: list = [prods, cats, Status.PUBLISHED, per, cat_ids, Status.PUBLISHED, per]
    if province is not None:
        branches += [
            own.format(here="AND c.province_id = %s"),
            category.format(here="AND c.province_id = %s"),
        ]
        params += [
            prods,
            cats,
            Status.PUBLISHED,
            province.pk,
            per,
            cat_ids,
            Status.PUBLISHED,
            province.pk,
            per,
        ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ".join(branches), params)
        return [row[0] for row in cursor.fetchall()]


def peer_cases(
    products: Sequence[Product],
    *,
    prefer_province: Region | None = None,
    include_own_bank: bool = False,
    per: int = 30,
    with_sources: bool = True,
) -> dict[int, list[Case]]:
    """Per product id, its peer cases (what the report's 同业对比 tables compare): published cases
    of its category, its own among them. Without `include_own_bank`, cases at the product's own
    bank (head office and branches) are left out. Order: cases in `prefer_province` first when one
    is given, then the product's own cases, then newest. One query for all the products (and two
    for the cases' sources, unless `with_sources` is False: the match results do not show them)."""
    if not products:
        return {}
    rows = Case.objects.for_listing() if with_sources else Case.objects.for_listing().prefetch_related(None)
    if include_own_bank and connection.vendor == "postgresql":
        pool = list(rows.filter(pk__in=_candidate_ids(products, prefer_province, per)).order_by(*NEWEST))
    else:
        groups: dict[tuple, QuerySet] = {}
        for p in products:
            groups |= _candidates(p, prefer_province, include_own_bank, per)
        pool = list(rows.filter(_any_of(list(groups.values()))).order_by(*NEWEST))
    return {p.pk: _peers_of(p, pool, prefer_province, include_own_bank)[:per] for p in products}


def _peers_of(
    product: Product, pool: list[Case], province: Region | None, include_own_bank: bool
) -> list[Case]:
    """The pool's cases that are this product's peers, in `peer_cases` order (the pool is already
    newest first within each group, and the sort is stable)."""
    bank = _bank(product.institution)
    mine = [
        c
        for c in pool
        if c.product.category_id == product.category_id
        and (include_own_bank or bank is None or _bank(c.institution) != bank)
    ]
    return sorted(
        mine,
        key=lambda c: (province is not None and c.province_id != province.pk, c.product_id != product.pk),
    )


def related_policies(product: Product, limit: int = 12) -> QuerySet:
    """Published notices naming this product or its category. Reached through the relations the
    policies app declares on products, so this app never imports it (policies sit above)."""
    policies = product.policies.all() | product.category.policies.all()
    return (
        policies.published()
        .select_related("issuer", "province")
        .distinct()
        .order_by(F("issued_date").desc(nulls_last=True), "key")[:limit]
    )


def with_record_counts(institutions: QuerySet) -> QuerySet:
    """Adds product_count and case_count (published, an institution's own and its branches') as
    correlated subqueries, so an institution list needs no GROUP BY over joined rows."""

    def count(model: type[Product] | type[Case]) -> Coalesce:
        rows = (
            model.objects.filter(status=Status.PUBLISHED)
            .filter(family_q(OuterRef("pk"), "institution"))
            .order_by()
            .annotate(g=Value(1))
            .values("g")
            .annotate(n=Count("id"))
            .values("n")
        )
        return Coalesce(Subquery(rows), 0)

    return institutions.annotate(product_count=count(Product), case_count=count(Case))


def cases_at(institution_ids: Collection[int]) -> QuerySet:
    """Published cases of these institutions, newest first (undated last)."""
    return (
        Case.objects.published()
        .for_listing()
        .filter(institution_id__in=institution_ids)
        .order_by(F("date").desc(nulls_last=True), "-id")
    )


def products_at(institution_ids: Collection[int]) -> QuerySet:
    """Published products these institutions offer or have cases of."""
    cases = Case.objects.published().filter(institution_id__in=institution_ids)
    return (
        Product.objects.published()
        .select_related("category", "institution")
        .filter(Q(institution_id__in=institution_ids) | Q(pk__in=cases.values("product_id")))
        .order_by("name_sort", "name")
    )


def case_counts_by(field: str, **filters) -> dict[str, int]:
    """{region code: published cases} grouped by `field` (province, city or district)."""
    return dict(
        Case.objects.published()
        .filter(**filters)
        .exclude(**{field: None})
        .order_by()
        .values_list(field)
        .annotate(n=Count("id"))
        .values_list(field, "n")
    )
