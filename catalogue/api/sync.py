"""Incremental sync: `modified_since` returns what changed at or after a moment, including records
withdrawn since (with their `status`), so a mirror can upsert the published and delete the rest."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request

PARAM = "modified_since"
# A "+08:00" offset arrives as " 08:00" when the client forgot to percent-encode the "+".
_LOST_PLUS = re.compile(r" (\d{2}(?::?\d{2})?)$")
_CACHE_ATTR = "_catalogue_modified_since"
# What parse_modified_since accepts, for the schema: a real calendar day (Feb 29
# left out, as a pattern cannot know leap years), then optionally a time with an offset under 14 h.
_YEAR = r"(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
_MONTH_DAY = (
    r"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
    r"|(?:0[13578]|1[02])-31)"
)
_TIME = r"T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
_OFFSET = r"(?:Z|[+-](?:0[0-9]|1[0-3])(?::?[0-5][0-9])?)"
PATTERN = rf"^{_YEAR}-{_MONTH_DAY}(?:{_TIME}{_OFFSET})?$"


def parse_modified_since(raw: str) -> dt.datetime:
    """ISO 8601 datetime with an offset (`2024-05-01T08:00:00+08:00`, `…Z`) or a date
    (`2024-05-01`, meaning midnight in the catalogue's time zone, Asia/Shanghai)."""
    value = _LOST_PLUS.sub(r"+\1", raw.strip())
    try:
        # Date first: Python would also read "2024-05-01" as a naive datetime.
        day = parse_date(value)
        moment = None if day else parse_datetime(value)
    except ValueError:  # well-formed but impossible, e.g. 2024-02-30
        moment = day = None
    if moment is None and day is None:
        raise ValidationError(
            {
                PARAM: [
                    _(
                        "Use an ISO 8601 date (2024-05-01) or a date and time with its offset (2024-05-01T08:00:00+08:00)."
                    )
                ]
            }
        )
    if moment is None:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    if timezone.is_naive(moment):
        raise ValidationError(
            {PARAM: [_("Give the time zone offset, e.g. 2024-05-01T08:00:00+08:00 or …Z.")]}
        )
    return moment


def modified_since(request: Request) -> dt.datetime | None:
    """The request's `modified_since`, parsed once per request (None when absent)."""
    if not hasattr(request, _CACHE_ATTR):
        raw = request.query_params.get(PARAM)
        setattr(request, _CACHE_ATTR, parse_modified_since(raw) if raw not in (None, "") else None)
    return getattr(request, _CACHE_ATTR)


def has_timestamps(model: Any) -> bool:
    """Records that carry both `created` and `modified` (and show them in the API). Vocabularies
    keep only a `modified` stamp for cache versioning; the API returns them whole, as before."""
    names = {f.name for f in model._meta.concrete_fields}
    return {"created", "modified"} <= names


class ModifiedSinceFilter(BaseFilterBackend):
    """`modified >= modified_since` on models that keep timestamps; vocabularies without them
    (regions, categories, themes, topics) are returned whole, so a mirror never misses a change."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        since = modified_since(request)
        if since is None or not has_timestamps(queryset.model):
            return queryset
        return queryset.filter(modified__gte=since)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        model = getattr(getattr(view, "queryset", None), "model", None)
        timestamped = model is not None and has_timestamps(model)
        text = (
            "Only records modified at or after this moment: an ISO 8601 datetime with offset "
            "(`2024-05-01T08:00:00+08:00`, `2024-05-01T00:00:00Z`; percent-encode `+` as `%2B`) or a date "
            "(`2024-05-01`, midnight Asia/Shanghai). With it, withdrawn records are returned too, with "
            "their `status`, so a mirror can delete them."
            if timestamped
            else "Accepted for a uniform sync loop; this vocabulary keeps no timestamps, so every row is "
            "returned (it is small)."
        )
        return [
            {
                "name": PARAM,
                "in": "query",
                "required": False,
                "description": text,
                "schema": {"type": "string", "pattern": PATTERN, "example": "2024-05-01T00:00:00+08:00"},
            }
        ]
