"""The catalogue's version: a stamp that moves whenever anything a page or an API response shows
changes, so cached facet counts, home-page figures and ETags can be keyed by it.

Every model of the catalogue's apps that carries a `modified` stamp counts (records, institutions,
regions, vocabularies, aliases, documents): a change anywhere a page reads moves the version. The
models are found through Django's app registry, so this base module imports no domain app. One
query of indexed MAX() lookups, whatever the number of models.

That query is the only statement a cached API response or a page of kept facet counts needs, so
each process keeps its answer for CATALOGUE_VERSION_SECONDS (a second by default): a cache hit then
touches no database at all. Only stamps read outside a transaction are kept or used (a transaction
sees its own writes, which may yet roll back). Every write statement this process runs (ORM, bulk or raw, seen by the
execute wrapper `watch_writes` that `CatalogueConfig.ready` puts on each connection) forgets it at
once and again when its request ends, so a writer reads its own change; another process's
change is seen within CATALOGUE_VERSION_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections.abc import Callable
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connections, models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalogue.db_routing import WRITES, read_alias


@cache
def versioned_models() -> tuple[type[models.Model], ...]:
    """Concrete models of settings.CATALOGUE_APPS with a `modified` field, in a stable order."""
    found = []
    for label in settings.CATALOGUE_APPS:
        for model in apps.get_app_config(label).get_models():
            names = {f.name for f in model._meta.concrete_fields}
            if "modified" in names and not model._meta.proxy:
                found.append(model)
    return tuple(sorted(found, key=lambda m: m._meta.db_table))


class _Kept:
    """The stamps last read per database alias, with when they were read (per process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamps: dict[str, tuple[float, dict[str, object]]] = {}
        # Moves on every forget: stamps read before a write are not kept after it, even when the
        # read finishes after the write (another thread's read racing this thread's write).
        self.generation = 0

    def get(self, alias: str, seconds: float) -> dict[str, object] | None:
        kept = self._stamps.get(alias)
        if kept is None or time.monotonic() - kept[0] >= seconds:
            return None
        return kept[1]

    def put(self, alias: str, stamps: dict[str, object], started: float, generation: int) -> None:
        with self._lock:
            if generation == self.generation:
                self._stamps[alias] = (started, stamps)

    def forget(self) -> None:
        with self._lock:
            self.generation += 1
            self._stamps.clear()


kept_stamps = _Kept()

_wrote = threading.local()


@cache
def versioned_tables() -> tuple[str, ...]:
    return tuple(m._meta.db_table for m in versioned_models())


def writes_catalogue(sql: str) -> bool:
    """Whether a statement may move the stamps: a write naming a versioned model's table (a
    longer name that contains one, products_casesource for products_case, only costs an extra
    read), or a TRUNCATE (a test database's flush)."""
    head = sql.lstrip()[:8].upper()
    if head.startswith("TRUNCATE"):
        return True
    if not head.startswith(WRITES):
        return False
    target = sql[:160]
    return any(table in target for table in versioned_tables())


def watch_writes(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    """A database execute wrapper: a write to the catalogue forgets the kept stamps now, and
    again when the request ends (`forget_after_writes`), by which time it is committed: a read on
    another thread between the write and its commit may have kept the stamps of before it."""
    if writes_catalogue(sql):
        kept_stamps.forget()
        _wrote.flag = True
    return execute(sql, params, many, context)


def forget_after_writes(**kwargs: Any) -> None:
    """request_finished: forget the kept stamps once more if this request wrote to the catalogue."""
    if getattr(_wrote, "flag", False):
        _wrote.flag = False
        kept_stamps.forget()


def catalogue_stamps(using: str | None = None) -> dict[str, object]:
    """{model label: latest `modified`} for every versioned model, in one query (or as this
    process read them less than CATALOGUE_VERSION_SECONDS ago, with no write since); by default on
    the database this request reads (a replica's stamps version the rows that replica serves)."""
    alias = using or read_alias()
    # Inside a transaction the stamps are that transaction's (its own writes, uncommitted, and
    # possibly rolled back): read them, and keep them for no one.
    seconds = 0 if connections[alias].in_atomic_block else settings.CATALOGUE_VERSION_SECONDS
    if seconds > 0 and (stamps := kept_stamps.get(alias, seconds)) is not None:
        return stamps
    started, generation = time.monotonic(), kept_stamps.generation
    stamps = _read_stamps(alias)
    if seconds > 0:
        kept_stamps.put(alias, stamps, started, generation)
    return stamps


def _read_stamps(alias: str) -> dict[str, object]:
    connection = connections[alias]
    qn = connection.ops.quote_name
    found = versioned_models()
    parts = [
        f"(SELECT MAX({qn(m._meta.get_field('modified').column)}) FROM {qn(m._meta.db_table)})" for m in found
    ]
    if not parts:
        return {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return {m._meta.label: _datetime(v) for m, v in zip(found, row, strict=True)}


def _datetime(value: object) -> dt.datetime | None:
    """Raw SQL on SQLite returns the stored text; make it the aware datetime the ORM would give."""
    if isinstance(value, str):
        value = parse_datetime(value)
        if value is not None and settings.USE_TZ and timezone.is_naive(value):
            value = timezone.make_aware(value, dt.UTC)
    return value


def digest(stamps: dict[str, object]) -> str:
    """A short version string for these stamps, safe for any cache backend's key rules."""
    text = "|".join(f"{k}={v}" for k, v in sorted(stamps.items()))
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def catalogue_version(using: str | None = None) -> str:
    """A digest of the latest `modified` of every versioned model."""
    return digest(catalogue_stamps(using))
