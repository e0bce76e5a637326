"""The catalogue's version: a stamp that moves whenever anything a page or an API response shows
changes, so cached facet counts, home-page figures and ETags can be keyed by it.

Every model of the catalogue's apps that carries a `modified` stamp counts (records, institutions,
regions, vocabularies, aliases, documents): a change anywhere a page reads moves the version. The
models are found through Django's app registry, so this base module imports no domain app. One
query of indexed MAX() lookups, whatever the number of models.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cache

from django.apps import apps
from django.conf import settings
from django.db import connections, models
from django.utils import timezone
from django.utils.dateparse import parse_datetime


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


def catalogue_stamps(using: str | None = None) -> dict[str, object]:
    """{model label: latest `modified`} for every versioned model, in one query; by default on the
    database this request reads (a replica's stamps version the rows that replica serves)."""
    from catalogue.db_routing import read_alias

    connection = connections[using or read_alias()]
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
