"""Facet definitions reused by several list pages: label look-ups and the category tree."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from institutions.models import Institution, Region
from products.models import Category, Theme

from .listing import FacetValue


def region_labels(codes: Iterable[Any]) -> dict[Any, str]:
    return {r.code: r.display_name for r in Region.objects.filter(code__in=list(codes))}


def institution_labels(ids: Iterable[Any]) -> dict[Any, str]:
    return {i.pk: i.name for i in Institution.objects.filter(pk__in=list(ids)).only("id", "name")}


def theme_labels(slugs: Iterable[Any]) -> dict[Any, str]:
    return {t.slug: t.display_name for t in Theme.objects.filter(slug__in=list(slugs))}


def kind_labels(kinds: Iterable[Any]) -> dict[Any, str]:
    names = dict(Institution.Kind.choices)
    return {k: str(names.get(k, k)) for k in kinds}


def choice_labels(choices: list[tuple[str, Any]]) -> Callable[[Iterable[Any]], dict[Any, str]]:
    names = dict(choices)
    return lambda keys: {k: str(names.get(k, k)) for k in keys}


def plain_labels(keys: Iterable[Any]) -> dict[Any, str]:
    return {k: str(k) for k in keys}


def no_labels(keys: Iterable[Any]) -> dict[Any, str]:
    return {}


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
