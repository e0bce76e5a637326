"""Reads of products and cases shared by several pages and the API."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from catalogue.models import Status
from institutions.models import Institution, family_q
from products.models import Case, Product


def peer_cases(product: Product, limit: int = 30) -> QuerySet:
    """Cases of the same product, or of other products in the same category, at institutions
    other than this product's own bank (what the report's 同业对比 tables compare)."""
    qs = (
        Case.objects.published()
        .for_listing()
        .filter(Q(product=product) | Q(product__category=product.category))
    )
    own = product.institution
    if own is not None:
        qs = qs.exclude(institution__in=Institution.objects.family_of(own.head_office_id or own.pk))
    return qs.order_by(F("date").desc(nulls_last=True), "-id")[:limit]


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
