"""Ordering for API lists: `ordering=` with the public names a viewset offers, an error for any
other value, and a final tie-break on the primary key so pages never overlap or skip rows."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework import filters
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

PARAM = "ordering"


def filterset_orders(view: Any) -> bool:
    """The view's shared FilterSet has its own `ordering` (then it, not this backend, orders)."""
    filterset_class = getattr(view, "filterset_class", None)
    return bool(filterset_class and PARAM in filterset_class.base_filters)


def with_tiebreak(queryset: QuerySet) -> QuerySet:
    order = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    names = {o.lstrip("-") for o in order if isinstance(o, str)}
    if names & {"pk", "id", queryset.model._meta.pk.name}:
        return queryset
    return queryset.order_by(*order, "pk")


class OrderingFilter(filters.OrderingFilter):
    """`ordering=name,-modified`; names are the keys of the view's `ordering_fields` mapping
    ({public name: model path}). Unknown names are a 400, not silently ignored."""

    def get_valid_fields(
        self, queryset: QuerySet, view: Any, context: dict | None = None
    ) -> list[tuple[str, str]]:
        return list((getattr(view, "ordering_fields", None) or {}).items())

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> list[str] | None:
        raw = request.query_params.get(self.ordering_param)
        if not raw:
            return None
        valid = dict(self.get_valid_fields(queryset, view))
        ordering, unknown = [], []
        for term in (t.strip() for t in raw.split(",")):
            name = term.lstrip("-")
            if name in valid:
                ordering.append(("-" if term.startswith("-") else "") + valid[name])
            else:
                unknown.append(term)
        if unknown or not ordering:
            offered = ", ".join(valid) or "—"
            message = _("Unknown ordering “%(raw)s”; use %(offered)s (- for descending).")
            raise ValidationError({self.ordering_param: [message % {"raw": raw, "offered": offered}]})
        return ordering

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        if not filterset_orders(view):
            ordering = self.get_ordering(request, queryset, view)
            if ordering:
                queryset = queryset.order_by(*ordering)
        return with_tiebreak(queryset)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        if filterset_orders(view) or not getattr(view, "ordering_fields", None):
            return []
        names = list(view.ordering_fields)
        return [
            {
                "name": self.ordering_param,
                "in": "query",
                "required": False,
                "description": f"Sort by {', '.join(names)}; prefix `-` for descending, comma-separate "
                "several. Ties are broken by id.",
                "schema": {"type": "string", "enum": [*names, *(f"-{n}" for n in names)]},
            }
        ]


class NameSearchFilterSet(django_filters.FilterSet):
    """`q` for small vocabularies (regions, categories, themes, topics): words in the code, slug or
    either name. The catalogue's records use the shared search (search/) instead."""

    q = django_filters.CharFilter(
        method="filter_q", max_length=200, help_text="part of the code/slug, Chinese or English name"
    )
    search_fields: tuple[str, ...] = ("name", "name_en")

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        cond = Q()
        for field in self.search_fields:
            cond |= Q(**{f"{field}__icontains": value})
        return queryset.filter(cond)


class VocabularyFilter(NameSearchFilterSet):
    """`q` over one of our vocabularies (catalogue.models.Vocabulary): its slug or either name."""

    search_fields = ("slug", "name", "name_en")

    class Meta:
        fields = ["q"]
