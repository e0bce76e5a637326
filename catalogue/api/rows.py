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

import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Model
from rest_framework import serializers


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
