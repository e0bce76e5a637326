"""Facet labels for institutions and regions, used by every list that filters by them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.text import capfirst

from institutions.models import Institution, Region


def region_labels(codes: Iterable[Any]) -> dict[Any, str]:
    return {r.code: r.display_name for r in Region.objects.filter(code__in=list(codes))}


def institution_labels(ids: Iterable[Any]) -> dict[Any, str]:
    rows = Institution.objects.filter(pk__in=list(ids)).only("id", "name", "name_en")
    return {i.pk: i.display_name for i in rows}


def kind_labels(kinds: Iterable[Any]) -> dict[Any, str]:
    names = dict(Institution.Kind.choices)
    return {k: capfirst(str(names.get(k, k))) for k in kinds}
