"""Writing API records without DRF's per-object machinery, to the same JSON.

Why: at 100,000 cases a 50-row case list spent about 100 ms of Python building seven model
objects per row (select_related) and walking nested serializers field by field, against a few
ms of SQL. Hot list and detail endpoints therefore read the records' own rows only, write their
plain fields with the very DRF field objects of the resource's serializer (so dates, datetimes
and decimals come out exactly as the serializer writes them), and fill in references to small
vocabularies (institutions, regions, categories) from maps held in process. The serializer stays
the contract: the schema is generated from it and the tests compare both writers.

The maps are rebuilt when the catalogue version moves (catalogue/versioning.py), the same stamp
that keys the response cache and ETags, so no response shows a reference older than its data.
This base module imports no domain app: the resources give the builders.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, router
from django.db.models import Model, QuerySet
from django.utils import timezone
from rest_framework import serializers

from catalogue.api.prepared import read_prepared
from catalogue.api.renderers import RawJSON


class PlainFields:
    """The scalar fields of a ModelSerializer, written from a model instance as the serializer
    would (None stays None, as DRF's `to_representation` leaves it)."""

    def __init__(self, serializer_class: type[serializers.Serializer], names: Iterable[str]) -> None:
        fields = serializer_class().fields
        self._writers: list[tuple[str, str, Callable[[Any], Any]]] = []
        for name in names:
            field = fields[name]
            if field.source_attrs != [name] or isinstance(field, serializers.BaseSerializer):
                raise ValueError(f"{name} is not a plain field of {serializer_class.__name__}")
            self._writers.append((name, name, field.to_representation))

    def write(self, instance: Model) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, attr, to_representation in self._writers:
            value = getattr(instance, attr)
            out[name] = None if value is None else to_representation(value)
        return out


class VersionedMap:
    """{key: JSON fragment} for a small vocabulary, built by `build` once per catalogue version
    and process. Readers get the same dicts; they must not change them."""

    def __init__(self, build: Callable[[], dict[Any, Any]]) -> None:
        self._build = build
        self._version: str | None = None
        self._map: dict[Any, Any] = {}
        self._lock = threading.Lock()

    def get(self, version: str, needed: Iterable[Any] = ()) -> dict[Any, Any]:
        """The map for `version`, holding every key of `needed` (None is skipped). A key can be
        missing under the right version when a row was added between this request reading the
        version and reading its page: then the map is read again rather than answering a 500."""
        current = self._map
        if self._version != version or any(k not in current for k in needed if k is not None):
            with self._lock:
                if self._version != version or any(k not in self._map for k in needed if k is not None):
                    self._map = self._build()
                    self._version = version
        return self._map


def sources_by_record(model: type[Model], ids: Iterable[Any]) -> dict[Any, list[dict[str, str]]]:
    """{record id: its sources as SourceSerializer writes them}, in one query (a join with the
    small documents table), in the sources' own order (id) as the prefetch gave them."""
    relation = model._meta.get_field("sources")
    owner = relation.field.attname
    found: dict[Any, list[dict[str, str]]] = {}
    rows = (
        relation.related_model.objects.filter(**{f"{owner}__in": list(ids)})
        .order_by("id")
        .values_list(owner, "document__file_name", "part", "locator", "excerpt")
    )
    for record, document, part, locator, excerpt in rows:
        found.setdefault(record, []).append(
            {"document": document, "part": part, "locator": locator, "excerpt": excerpt}
        )
    return found


# --- the same JSON written by PostgreSQL ---------------------------------------------------------
#
# On PostgreSQL a hot resource's list page or record is one statement whose rows carry their JSON,
# built with json_build_object/json_agg (json, not jsonb: jsonb would reorder the keys). These
# helpers write the SQL of the pieces every resource shares; each resource gives its own object
# (products/api.py). The Python writers above stay for SQLite and exports, and the same tests
# compare all of them with the serializers.

TIME_ZONE_NAME = re.compile(r"[A-Za-z0-9_/+-]+")


def sql_datetime(column: str) -> str:
    """SQL writing a timestamp column as DRF's DateTimeField does: ISO 8601 in the current time
    zone, microseconds only when there are some, `Z` for UTC, else the offset."""
    tz = timezone.get_current_timezone_name()
    if not TIME_ZONE_NAME.fullmatch(tz):
        raise ValueError(f"unexpected time zone name {tz!r}")
    local = f"({column} AT TIME ZONE '{tz}')"
    offset = f"({local} - ({column} AT TIME ZONE 'UTC'))"
    return (
        f"CASE WHEN {column} IS NULL THEN NULL ELSE "
        f"to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN to_char({local}, 'US') = '000000' THEN '' ELSE to_char({local}, '.US') END"
        f" || CASE WHEN {offset} = interval '0' THEN 'Z'"
        f" WHEN {offset} > interval '0' THEN '+' || to_char({offset}, 'HH24:MI')"
        f" ELSE '-' || to_char(-{offset}, 'HH24:MI') END END"
    )


def sql_sources(model: type[Model], outer: str) -> str:
    """SQL of a record's sources as SourceSerializer writes them, in their own order (id); `outer`
    names the record's table in the enclosing statement."""
    qn = connection.ops.quote_name
    relation = model._meta.get_field("sources")
    source = relation.related_model._meta
    document = source.get_field("document")
    return (
        "(SELECT COALESCE(json_agg(json_build_object("
        "'document', d.file_name, 'part', s.part, 'locator', s.locator, 'excerpt', s.excerpt"
        f") ORDER BY s.id), '[]'::json) FROM {qn(source.db_table)} s "
        f"JOIN {qn(document.related_model._meta.db_table)} d ON d.id = s.{qn(document.column)} "
        f"WHERE s.{qn(relation.field.column)} = {outer}.{qn(model._meta.pk.column)})"
    )


def json_rows(page: list[Any]) -> Any:
    """A page whose rows carry their JSON (`row_json`, from PostgreSQL) as one JSON array, or
    None when they do not (SQLite, or rows read another way): then the Python writer writes it."""
    if not page or not all(hasattr(row, ROW_JSON) for row in page):
        return None
    return RawJSON("[" + ",".join(getattr(row, ROW_JSON) for row in page) + "]")


ROW_JSON = "row_json"


# --- one record by a statement compiled once ------------------------------------------------------
#
# A record's URL is the hottest fixed cost: building its queryset (the listing verbs, the status
# filter, the JSON annotation) and compiling it took more CPU than PostgreSQL took to answer.
# The statement depends only on the resource and the time zone its datetimes are written in, so
# it is compiled once per process with a stand-in id and run as a raw query with the real one.

_STAND_IN = 2_000_000_011  # an id no test or catalogue reaches; only its position in the params matters
_statements: dict[tuple[Any, ...], tuple[str, tuple[Any, ...], int]] = {}


def one_record(
    model: type[Model], key: tuple[Any, ...], pk: int, queryset: Callable[[], QuerySet]
) -> Model | None:
    """The record `pk` (None when there is none) by the statement of `queryset().filter(pk=…)`,
    compiled once per `key` (which must name everything that statement depends on besides the
    id); `queryset` is built only then."""
    if not -(2**63) <= pk < 2**63:
        return None  # no bigint is it (and PostgreSQL would compare as numeric, scanning the table)
    db = router.db_for_read(model)
    statement = _statements.get((*key, db))
    if statement is None:
        sql, params = queryset().filter(pk=_STAND_IN).query.sql_with_params()
        statement = _statements[(*key, db)] = (sql, tuple(params), list(params).index(_STAND_IN))
    sql, params, at = statement
    bound = list(params)
    bound[at] = pk
    # The same text for every id: prepared once per connection (catalogue/api/prepared.py).
    rows = read_prepared(db, lambda: list(model._default_manager.raw(sql, bound, using=db)))
    return rows[0] if rows else None
