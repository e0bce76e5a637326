"""The catalogue's version: a stamp that moves whenever anything a page or an API response shows
changes, so cached facet counts, home-page figures and ETags can be keyed by it.

Every model of the catalogue's apps that carries a `modified` stamp counts (records, institutions,
regions, vocabularies, aliases, documents): a change anywhere a page reads moves the version. The
models are found through Django's app registry, so this base module imports no domain app. One
query of indexed MAX() lookups, whatever the number of models.
"""

from __future__ import annotations

import hashlib
from functools import cache

from django.apps import apps
from django.conf import settings
from django.db import connections, models


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


def catalogue_version(using: str = "default") -> str:
    """A digest of the latest `modified` of every versioned model."""
    connection = connections[using]
    qn = connection.ops.quote_name
    parts = [
        f"(SELECT MAX({qn(m._meta.get_field('modified').column)}) FROM {qn(m._meta.db_table)})"
        for m in versioned_models()
    ]
    if not parts:
        return "-"
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    stamps = "|".join(str(v) if v is not None else "-" for v in row)
    # Short and safe for any cache backend's key rules.
    return hashlib.sha1(stamps.encode()).hexdigest()[:16]
