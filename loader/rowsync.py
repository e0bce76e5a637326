"""Rows written from curated data without overwriting a curator: `sync_rows` creates or updates
a model's rows matched on a natural key and remembers what it wrote (FixtureSnapshot), so a later
load changes only what the loader itself wrote. Shared by the fixture loader (fixtures.py) and the
vocabularies' loader (terms.py), below both."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models

from loader.models import FixtureSnapshot


@dataclass
class Conflict:
    """A field a curator changed since the last load, which the fixtures now want otherwise."""

    model: str
    key: str
    field: str
    fixture: Any
    current: Any

    def __str__(self) -> str:
        return f"{self.model} {self.key}: {self.field} kept {self.current!r} (fixtures say {self.fixture!r})"


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    conflicts: list[Conflict] = field(default_factory=list)

    def __str__(self) -> str:
        kinds = sorted(set(self.created) | set(self.updated))
        text = ", ".join(f"{k}: +{self.created[k]} ~{self.updated[k]}" for k in kinds) or "nothing to do"
        if self.conflicts:
            text += f"; {len(self.conflicts)} field(s) changed by curators kept (see the conflicts)"
        return text


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return old is not None and new is not None and Decimal(old) == Decimal(new) or old == new
    return old == new


def _plain(value: Any) -> Any:
    """A value as the snapshot stores it (JSON): a row by its primary key, numbers and dates as text."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _comparable(value: Any) -> Any:
    """Snapshot and current values compared as text, whatever JSON made of them."""
    if isinstance(value, Decimal):
        value = value.normalize()
    return None if value is None else str(value)


def _current(obj: models.Model, name: str) -> Any:
    """A field's current value as the snapshot would store it; foreign keys by id (no query)."""
    f = obj._meta.get_field(name.removesuffix("_id") if name.endswith("_id") else name)
    return _plain(getattr(obj, f.attname) if f.is_relation else getattr(obj, f.name))


def sync_rows(
    model: type[models.Model],
    key: str,
    rows: Iterable[dict[str, Any]],
    report: LoadReport,
    *,
    label: str = "",
) -> dict[Any, models.Model]:
    """Create or update `model` rows matched on `key`; returns every matched row by key.

    A field is updated only while its current value is still the one this loader last wrote (the
    snapshot). A value a curator changed in the admin is kept and reported as a conflict, and so is
    any difference on a record the loader has no snapshot of: nothing is overwritten on trust."""
    label = label or model._meta.model_name
    rows = list(rows)
    existing = {getattr(o, key): o for o in model.objects.filter(**{f"{key}__in": [r[key] for r in rows]})}
    snapshots = {
        s.key: s for s in FixtureSnapshot.objects.filter(model=label, key__in=[str(r[key]) for r in rows])
    }
    to_create, to_update, changed_fields = [], [], set()
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            obj = model(**row)
            to_create.append(obj)
            existing[row[key]] = obj
            continue
        snap = snapshots.get(str(row[key]))
        diff = []
        for f, v in row.items():
            if _same(getattr(obj, f), v):
                continue
            if _curator_changed(obj, f, snap):
                report.conflicts.append(Conflict(label, str(row[key]), f, _plain(v), _current(obj, f)))
                continue
            diff.append(f)
        if diff:
            for f in diff:
                setattr(obj, f, row[f])
            changed_fields.update(diff)
            to_update.append(obj)
    for obj in to_create:
        obj.full_clean(validate_unique=False, validate_constraints=False)
        obj.save()  # one by one: ids come back on every database, and auto_now fields are set
    for obj in to_update:
        obj.full_clean(validate_unique=False, validate_constraints=False)
        obj.save(update_fields=[*changed_fields, *(["modified"] if _has(model, "modified") else [])])
    _remember(label, key, rows, snapshots)
    report.created[label] += len(to_create)
    report.updated[label] += len(to_update)
    return existing


def _curator_changed(obj: models.Model, name: str, snap: FixtureSnapshot | None) -> bool:
    """Whether field `name` of `obj` no longer holds what this loader last wrote there. A field
    the snapshot does not know (added to the fixtures since) is unchanged while it is empty."""
    current = _current(obj, name)
    if snap is not None and name in snap.values:
        return _comparable(current) != _comparable(snap.values[name])
    return snap is None or current not in (None, "")


def _remember(
    label: str, key: str, rows: list[dict[str, Any]], snapshots: dict[str, FixtureSnapshot]
) -> None:
    """Store what the fixtures say for each row as its snapshot (written only when it differs)."""
    create, update = [], []
    for row in rows:
        values = {f: _plain(v) for f, v in row.items() if f != key}
        snap = snapshots.get(str(row[key]))
        if snap is None:
            create.append(FixtureSnapshot(model=label, key=str(row[key]), values=values))
        elif snap.values != values:
            snap.values = values
            update.append(snap)
    FixtureSnapshot.objects.bulk_create(create)
    if update:
        FixtureSnapshot.objects.bulk_update(update, ["values"])


def _has(model: type[models.Model], name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())
