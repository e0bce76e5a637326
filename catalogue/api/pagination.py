"""Pagination shared by every list endpoint, in two modes.

page (default)  {count, next, previous, results}; ?page=N&page_size=M (M up to 500), for browsing.
cursor          {next, previous: null, results}; ?pagination=cursor, then follow `next`. Keyset
                pagination on (modified, id) — never OFFSET — so a sync stays fast and stable
                however large the catalogue and whatever changes during the walk.

A page_size over the cap, a bad page number or cursor is a 400; a page past the end is a 404.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections import OrderedDict
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import EmptyPage, Page
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param

from catalogue.api.exceptions import PageNotFound
from catalogue.api.prepared import read_queryset
from catalogue.api.sync import has_timestamps
from catalogue.listing import NOT_FILTERS
from catalogue.middleware import control_characters

MAX_PAGE_SIZE = 500
PAGE, CURSOR = "page", "cursor"


def cursor_keys(model: type[Model]) -> tuple[str, ...]:
    """The keyset: (modified, pk) where records keep timestamps (the sync order), else (pk,)."""
    return ("modified", "pk") if has_timestamps(model) else ("pk",)


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, dt.datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


PAGE_NUMBER = gettext_lazy("Must be a whole number from 1, or “last”.")
BAD_CURSOR = gettext_lazy("Not a cursor of this list: follow the `next` links, or start without one.")
# base64url without padding, as encode_cursor writes it; the schema states the same pattern.
CURSOR_PATTERN = "^[A-Za-z0-9_-]*$"
CURSOR_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")


def decode_cursor(token: str, keys: tuple[str, ...], model: type[Model] | None = None) -> list[Any]:
    bad = ValidationError({"cursor": [BAD_CURSOR]})
    try:
        values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(values, list) or len(values) != len(keys):
        raise bad
    if not all(_storable(v) for v in values):
        raise bad
    if keys[0] == "modified":
        try:
            values[0] = dt.datetime.fromisoformat(values[0])
        except (TypeError, ValueError):
            raise bad from None
        if values[0].tzinfo is None or not isinstance(values[1], int) or isinstance(values[1], bool):
            raise bad
    elif not isinstance(values[0], (int, str)) or isinstance(values[0], bool):
        raise bad
    elif model is not None:
        # The key must be of the primary key's type: "x" for an integer id is not a position.
        try:
            values[0] = model._meta.pk.to_python(values[0])
        except DjangoValidationError:
            raise bad from None
    return values


# A key no column can hold: integers beyond 64 bits (SQLite cannot bind them, PostgreSQL compares
# them as numeric) and text with control characters (PostgreSQL refuses NUL): a 400, not a 500.
BIGINT = 2**63


def _storable(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return -BIGINT <= value < BIGINT
    if isinstance(value, str):
        return not control_characters(value)
    return True


def after(keys: tuple[str, ...], values: list[Any]) -> Q:
    """Rows strictly after `values` in `keys` order, written so an index on the first key is used."""
    if len(keys) == 1:
        return Q(**{f"{keys[0]}__gt": values[0]})
    first, second = keys
    return Q(**{f"{first}__gte": values[0]}) & (
        Q(**{f"{first}__gt": values[0]}) | Q(**{f"{second}__gt": values[1]})
    )


class CountedPaginator(DjangoPaginator):
    """Django's paginator, told the count when the caller already has it (no second COUNT)."""

    def __init__(self, object_list: QuerySet, per_page: int, count: int | None = None) -> None:
        super().__init__(object_list, per_page)
        if count is not None:
            self.__dict__["count"] = count


class CataloguePagination(pagination.BasePagination):
    page_query_param = "page"
    page_size_query_param = "page_size"
    mode_query_param = "pagination"
    cursor_query_param = "cursor"
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ("last",)

    mode: str = PAGE
    page: Page | None = None

    @property
    def page_size(self) -> int:
        return api_settings.PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        # DRF silently clamps or ignores a bad page_size; a partner should be told instead.
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError(
                {"page_size": [_("Must be a whole number from 1 to %(most)s.") % {"most": MAX_PAGE_SIZE}]}
            ) from None
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValidationError(
                {
                    "page_size": [
                        _("Must be from 1 to %(most)s; got %(size)s.") % {"most": MAX_PAGE_SIZE, "size": size}
                    ]
                }
            )
        return size

    def check_params(self, request: Request) -> None:
        """Every pagination parameter valid, whatever the mode or format (a bad request is a 400
        before anything is counted or exported)."""
        self.get_page_size(request)
        self.get_mode(request)
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and raw not in self.last_page_strings:
            try:
                number = int(raw)
            except ValueError:
                number = 0
            if number < 1:
                raise ValidationError({"page": [PAGE_NUMBER]})

    def get_mode(self, request: Request) -> str:
        # The schema's pattern for a cursor, checked in every mode and format (an export ignores
        # the cursor, but a value the schema calls invalid is a 400 all the same).
        if not CURSOR_ALPHABET.fullmatch(request.query_params.get(self.cursor_query_param) or ""):
            raise ValidationError({self.cursor_query_param: [BAD_CURSOR]})
        mode = request.query_params.get(self.mode_query_param) or ""
        if mode not in ("", PAGE, CURSOR):
            raise ValidationError(
                {
                    self.mode_query_param: [
                        _("Must be “%(page)s” or “%(cursor)s”.") % {"page": PAGE, "cursor": CURSOR}
                    ]
                }
            )
        if mode == PAGE and request.query_params.get(self.cursor_query_param):
            raise ValidationError({self.cursor_query_param: [_("A cursor needs pagination=cursor.")]})
        return CURSOR if mode == CURSOR or request.query_params.get(self.cursor_query_param) else PAGE

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: Any = None, count: int | None = None
    ) -> list[Any]:
        """One page of `queryset` (in page mode, also what the list selector gives a paginator to
        slice: catalogue.listing.Selection.rows); `count`, when known (kept), saves a COUNT."""
        self.request = request
        self.size = self.get_page_size(request)
        self.mode = self.get_mode(request)
        if self.mode == CURSOR:
            return self._cursor_page(queryset)
        return self._numbered_page(queryset, count)

    def unfiltered(self) -> bool:
        """Whether the list is asked for without filters: only then is its page's statement
        prepared. A filter's values differ in selectivity, and PostgreSQL's generic plan, used
        after five executions, is one plan for all of them (catalogue/api/prepared.py)."""
        return all(name in NOT_FILTERS for name in self.request.query_params)

    def _numbered_page(self, queryset: QuerySet, count: int | None) -> list[Any]:
        paginator = CountedPaginator(queryset, self.size, count)
        # `page=` (present but empty) is a mistake like `page=abc`, not page 1: the schema says so.
        raw = self.request.query_params.get(self.page_query_param, "1")
        if raw in self.last_page_strings:
            number = paginator.num_pages
        else:
            try:
                number = int(raw)
            except ValueError:
                raise ValidationError({"page": [PAGE_NUMBER]}) from None
            if number < 1:
                raise ValidationError({"page": [PAGE_NUMBER]})
        try:
            self.page = paginator.page(number)
        except EmptyPage:
            raise PageNotFound(
                _("Page %(number)s is past the last page (%(last)s).")
                % {"number": number, "last": paginator.num_pages}
            ) from None
        if number == 1 and isinstance(queryset, QuerySet) and self.unfiltered():
            # An unfiltered first page is one statement whatever the request: prepared. A deeper
            # page has its OFFSET in the text (catalogue/api/prepared.py says why both).
            return read_queryset(queryset, lambda: list(self.page))
        return list(self.page)

    def _cursor_page(self, queryset: QuerySet) -> list[Any]:
        keys = cursor_keys(queryset.model)
        queryset = queryset.order_by(*keys)
        token = self.request.query_params.get(self.cursor_query_param)
        if token:
            queryset = queryset.filter(after(keys, decode_cursor(token, keys, queryset.model)))
        read = lambda: list(queryset[: self.size + 1])  # noqa: E731
        # The position is a parameter: every page of an unfiltered walk is one prepared statement.
        rows = read_queryset(queryset, read) if self.unfiltered() else read()
        self.has_next = len(rows) > self.size
        rows = rows[: self.size]
        self.next_position = [getattr(rows[-1], k) for k in keys] if rows else None
        return rows

    def get_next_link(self) -> str | None:
        url = self.request.build_absolute_uri()
        if self.mode == CURSOR:
            if not self.has_next:
                return None
            url = replace_query_param(url, self.mode_query_param, CURSOR)
            return replace_query_param(url, self.cursor_query_param, encode_cursor(self.next_position))
        if not self.page.has_next():
            return None
        return replace_query_param(url, self.page_query_param, self.page.next_page_number())

    def get_previous_link(self) -> str | None:
        if self.mode == CURSOR or not self.page.has_previous():
            return None
        url = self.request.build_absolute_uri()
        number = self.page.previous_page_number()
        if number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, number)

    def get_paginated_response(self, data: list[Any]) -> Response:
        body = OrderedDict()
        if self.mode == PAGE:
            body["count"] = self.page.paginator.count
        body["next"] = self.get_next_link()
        body["previous"] = self.get_previous_link()
        body["results"] = data
        return Response(body)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "minimum": 0,
                    "example": 123,
                    "description": "How many records match (page mode only; absent in cursor mode).",
                },
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page or cursor position; null on the last page.",
                    "example": "http://127.0.0.1:8000/api/v1/cases/?page=3",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The previous page; null on the first page and always in cursor mode.",
                    "example": "http://127.0.0.1:8000/api/v1/cases/?page=1",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "in": "query",
                "required": False,
                "description": "Page number (page mode), from 1, or `last`. A page past the end is a 404.",
                "schema": {
                    "oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "enum": ["last"]}]
                },
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Records per page, 1–{MAX_PAGE_SIZE} (default {self.page_size}); above the "
                "cap is a 400, never silently clamped.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
            {
                "name": self.mode_query_param,
                "in": "query",
                "required": False,
                "description": "`page` (default): numbered pages with `count`, for browsing. `cursor`: "
                "keyset pages in (modified, id) order with no `count`, for syncing a mirror; follow `next` "
                "until it is null. `ordering` and `page` are ignored in cursor mode.",
                "schema": {"type": "string", "enum": [PAGE, CURSOR]},
            },
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "Opaque position from a `next` link. A cursor implies `pagination=cursor` "
                "(which may be left out); with `pagination=page` it is a 400, as is a cursor this list "
                "did not write. Do not build it yourself.",
                "schema": {"type": "string", "pattern": CURSOR_PATTERN},
            },
        ]
