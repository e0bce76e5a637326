"""Facet specs of the product and case lists, and the category and theme labels other lists reuse."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from catalogue.facets import no_labels, plain_labels
from catalogue.listing import FacetSpec, FacetValue, count_distinct, group_count
from institutions.facets import institution_labels, kind_labels, region_labels
from products.filters import TERM_FILTERS
from products.models import TERM_VOCABULARY, Case, Category, ProductTerm, TermWord, Theme


def theme_labels(slugs: Iterable[Any]) -> dict[Any, str]:
    return {t.slug: t.display_name for t in Theme.objects.filter(slug__in=list(slugs))}


def category_tree(counts: dict[Any, int], make: Callable[[Any], FacetValue]) -> list[FacetValue]:
    """Top-level categories with their children; a parent's count includes its children's,
    which is what selecting it returns (the category filter includes sub-categories)."""
    cats = list(Category.objects.order_by("position", "slug"))
    children: dict[int | None, list[Category]] = {}
    for c in cats:
        children.setdefault(c.parent_id, []).append(c)

    def node(c: Category) -> FacetValue | None:
        kids = [n for n in (node(k) for k in children.get(c.pk, [])) if n]
        total = (counts.get(c.slug) or 0) + sum(k.count or 0 for k in kids)
        if not total and c.slug not in counts:  # a chosen category shows even when nothing matches
            return None
        fv = make(c.slug)
        fv.label, fv.count, fv.children = c.display_name, total, kids
        return fv

    return [n for n in (node(c) for c in children.get(None, [])) if n]


HEAD_OFFICE = Coalesce("institution__head_office_id", "institution_id")
HEAD_OFFICE_KIND = Coalesce("institution__head_office__kind", "institution__kind")


def _product_case_count(field: str, facet: str):
    """Products per value of a case field, under the other case-level conditions."""

    def count(qs: QuerySet, fs: Any) -> dict:  # fs: a ProductFilter
        cases = Case.objects.published().filter(
            product__in=qs.values("pk"), **fs.case_conditions(exclude={facet})
        )
        return count_distinct(cases, field, "product_id")

    return count


def _term_count(field: str) -> Callable[[QuerySet, Any], dict]:
    """Products per stated value of a term field, over the products the other filters leave."""

    def count(qs: QuerySet, fs: Any) -> dict:
        rows = (
            ProductTerm.objects.filter(field=field, product__in=qs.values("pk"))
            .order_by()
            .values("value")
            .annotate(n=Count("product", distinct=True))
        )
        return {r["value"]: r["n"] for r in rows if r["value"]}

    return count


def _word_labels(field: str) -> Callable[[Iterable[Any]], dict[Any, str]]:
    def labels(slugs: Iterable[Any]) -> dict[Any, str]:
        words = TermWord.objects.filter(vocabulary=TERM_VOCABULARY[field], slug__in=list(slugs))
        return {w.slug: w.display_name for w in words}

    return labels


# Products and cases both count by the head office (a branch counts as its bank) and its kind.
INSTITUTION_FACETS = [
    FacetSpec(
        "institution_kind",
        gettext_lazy("Institution kind"),
        group_count(HEAD_OFFICE_KIND),
        kind_labels,
        multiple=True,
    ),
    FacetSpec(
        "institution",
        gettext_lazy("Institution"),
        group_count(HEAD_OFFICE),
        institution_labels,
        limit=12,
        key_type=int,
    ),
]

TERM_FACETS = [
    FacetSpec(
        name,
        label,
        _term_count(TERM_FILTERS[name]),
        _word_labels(TERM_FILTERS[name]),
        multiple=True,
    )
    for name, label in (
        ("programme_kind", gettext_lazy("Programme kind")),
        ("collateral_type", gettext_lazy("Collateral type")),
        ("label", gettext_lazy("Eligible firms")),
    )
]

PRODUCT_FACETS = [
    FacetSpec(
        "category", gettext_lazy("Category"), group_count("category__slug"), no_labels, tree=category_tree
    ),
    FacetSpec("theme", gettext_lazy("Theme"), group_count("themes__slug"), theme_labels, multiple=True),
    FacetSpec(
        "province", gettext_lazy("Province"), _product_case_count("province_id", "province"), region_labels
    ),
    FacetSpec(
        "city",
        gettext_lazy("City"),
        _product_case_count("city_id", "city"),
        region_labels,
        only_if="province",
    ),
    *INSTITUTION_FACETS,
    *TERM_FACETS,
]

CASE_FACETS = [
    FacetSpec(
        "category",
        gettext_lazy("Category"),
        group_count("product__category__slug"),
        no_labels,
        tree=category_tree,
    ),
    FacetSpec(
        "theme",
        gettext_lazy("Theme"),
        group_count("product__themes__slug"),
        theme_labels,
        multiple=True,
    ),
    FacetSpec("province", gettext_lazy("Province"), group_count("province_id"), region_labels),
    FacetSpec("city", gettext_lazy("City"), group_count("city_id"), region_labels, only_if="province"),
    *INSTITUTION_FACETS,
    FacetSpec("currency", gettext_lazy("Currency"), group_count("currency"), plain_labels),
]
