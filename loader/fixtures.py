"""Load the curated data in fixtures/ into the database.

Idempotent: rows are matched on natural keys (codes, slugs, names, record keys), compared in
memory and written only when something differs, so a second run changes nothing, keeps every id
and leaves `modified` alone (partners sync on it). Runs in one transaction: a bad file leaves the
catalogue as it was. New records arrive published; a status a curator changed later is kept.
One load at a time (`catalogue_load_lock`): two at once on a new database both inserted the same
keys and one died on a unique constraint.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from catalogue.models import Document, Status
from institutions.english import OFFICIAL, Composer, EnglishName
from institutions.models import Institution, InstitutionAlias, Metric, MetricSource, Region
from institutions.services import institution_set_parent
from loader.models import FixtureLoad
from loader.resolve import CatalogueDataError, Resolver, parse_date
from loader.rowsync import LoadReport, sync_rows
from loader.terms import load_terms
from policies.models import Policy, PolicySource, Topic
from products.models import Case, CaseSource, Category, Product, ProductSource, Theme
from search import index as search_index

log = logging.getLogger(__name__)

Entry = dict[str, Any]  # a record as the fixtures write it


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _sync_m2m(obj: models.Model, attr: str, wanted: Iterable[models.Model]) -> bool:
    manager = getattr(obj, attr)
    wanted_ids = {o.pk for o in wanted}
    if set(manager.values_list("pk", flat=True)) != wanted_ids:
        manager.set(list(wanted_ids))
        return True
    return False


def _institution_order(defs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Parents before children, so every parent exists when its branch is written."""
    by_name = {d["name"]: d for d in defs}
    aliases = _aliases_of(defs)
    ordered, done = [], set()

    def visit(d: dict[str, Any], trail: tuple[str, ...] = ()) -> None:
        if d["name"] in done:
            return
        if d["name"] in trail:
            raise CatalogueDataError(f"institution hierarchy loops through {d['name']!r}")
        parent = d.get("parent")
        if parent:
            parent = aliases.get(parent, parent)
            if parent not in by_name:
                raise CatalogueDataError(f"institution {d['name']!r}: unknown parent {d['parent']!r}")
            visit(by_name[parent], (*trail, d["name"]))
        done.add(d["name"])
        ordered.append(d)

    for d in defs:
        visit(d)
    return ordered


def _sources(
    source_model: type[models.Model],
    fk: str,
    objects: dict[str, models.Model],
    wanted: dict[str, list[dict[str, Any]]],
    resolver: Resolver,
    report: LoadReport,
) -> set[int]:
    """Make each record's sources exactly the wanted ones, touching only the differences;
    returns the ids of the records whose sources changed."""
    have: dict[int, dict[tuple, models.Model]] = {}
    for s in source_model.objects.filter(**{f"{fk}__in": [o.pk for o in objects.values()]}):
        have.setdefault(getattr(s, f"{fk}_id"), {})[(s.document_id, s.part, s.locator, s.excerpt)] = s
    create, delete, changed = [], [], set()
    for key, srcs in wanted.items():
        obj = objects[key]
        current = have.get(obj.pk, {})
        want = {}
        for s in srcs:
            doc = resolver.documents.get(s["document"])
            if doc is None:
                raise CatalogueDataError(f"{key}: unknown document {s['document']!r}")
            if not 12 <= len(s["excerpt"]) <= 80:
                raise CatalogueDataError(f"{key}: excerpt must be 12–80 characters: {s['excerpt']!r}")
            want[(doc.pk, s["part"], s["locator"], s["excerpt"])] = s
        gone = [o.pk for k, o in current.items() if k not in want]
        new = [
            source_model(**{fk: obj}, document_id=k[0], part=k[1], locator=k[2], excerpt=k[3])
            for k in want
            if k not in current
        ]
        if gone or new:
            changed.add(obj.pk)
        delete += gone
        create += new
    if delete:
        source_model.objects.filter(pk__in=delete).delete()
    source_model.objects.bulk_create(create)
    report.created[source_model._meta.model_name] += len(create)
    report.updated[source_model._meta.model_name] += len(delete)
    return changed


def _touch(model: type[models.Model], pks: set[int]) -> None:
    """A record whose themes, links or sources changed has changed: partners sync on `modified`
    (update() does not run auto_now, so it is set here)."""
    if pks:
        model.objects.filter(pk__in=pks).update(modified=timezone.now())


def _parts(fixtures_dir: Path) -> list[dict[str, Any]]:
    parts = []
    for path in sorted((fixtures_dir / "parts").glob("*.json")):
        data = _read(path)
        for kind in ("products", "cases", "policies", "metrics"):
            for rec in data.get(kind, []):
                for s in rec.get("sources", []):
                    s.setdefault("document", data["document"])
        data["_file"] = path.name
        parts.append(data)
    return parts


def _collect(parts: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    out, seen = [], {}
    for p in parts:
        for rec in p.get(kind, []):
            if rec["key"] in seen:
                raise CatalogueDataError(f"key {rec['key']!r} in both {seen[rec['key']]} and {p['_file']}")
            seen[rec["key"]] = p["_file"]
            out.append(rec)
    return out


# The advisory lock's key on PostgreSQL: a constant the project uses for nothing else.
LOAD_LOCK_KEY = 2_024_050_001
_held = threading.local()


def _lock_file_path() -> Path:
    """One lock file per database, in the temporary folder every process on the machine shares
    (SQLite's processes are all on its machine)."""
    name = str(connection.settings_dict.get("NAME") or "")
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"catalogue-load-{digest}.lock"


@contextmanager
def _advisory_lock(wait: bool, on_wait: Callable[[], None] | None) -> Iterator[bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOAD_LOCK_KEY])
        got = cursor.fetchone()[0]
        if not got and wait:
            if on_wait:
                on_wait()
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOAD_LOCK_KEY])
            got = True
    if not got:
        yield False
        return
    try:
        yield True
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOAD_LOCK_KEY])
        except Exception as exc:  # a lost connection released the lock with its session
            log.warning("catalogue load lock not released explicitly: %s", exc)


@contextmanager
def _file_lock(wait: bool, on_wait: Callable[[], None] | None) -> Iterator[bool]:
    with open(_lock_file_path(), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            if on_wait:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def catalogue_load_lock(*, wait: bool = True, on_wait: Callable[[], None] | None = None) -> Iterator[bool]:
    """Hold the one-load-at-a-time lock; yields False (without it) when `wait` is off and another
    load holds it. On PostgreSQL a session advisory lock, which the server releases if the process
    dies; elsewhere (SQLite) an flock on a file beside the database. Re-entrant within a thread.
    Taken outside the load's transaction and released after its commit, so the next load sees
    every row the last one wrote."""
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield True
        finally:
            _held.depth -= 1
        return
    lock = _advisory_lock if connection.vendor == "postgresql" else _file_lock
    with lock(wait, on_wait) as got:
        if not got:
            yield False
            return
        _held.depth = 1
        try:
            yield True
        finally:
            _held.depth = 0


def load_catalogue(fixtures_dir: Path) -> LoadReport:
    """Load every curated file under `fixtures_dir`; see the module docstring. Waits while another
    load runs (the lock), then loads in one transaction."""
    with catalogue_load_lock(on_wait=lambda: log.info("another catalogue load is running: waiting")):
        return _load_catalogue(fixtures_dir)


@transaction.atomic
def _load_catalogue(fixtures_dir: Path) -> LoadReport:
    report = LoadReport()
    sync_rows(Document, "file_name", _read(fixtures_dir / "documents.json"), report)
    _load_regions(_read(fixtures_dir / "regions.json"), report)
    _load_vocabularies(fixtures_dir, report)

    resolver = Resolver()
    parts = _parts(fixtures_dir)
    inst_defs = _institution_defs(fixtures_dir, parts)
    _load_institutions(_institution_order(inst_defs), resolver, report)
    resolver.refresh_institutions()

    products = _load_products(_collect(parts, "products"), resolver, report)
    _load_cases(_collect(parts, "cases"), products, resolver, report)
    _load_policies(_collect(parts, "policies"), products, resolver, report)
    _load_metrics(_collect(parts, "metrics"), resolver, report)
    _touch(Product, load_terms(fixtures_dir, products, resolver, report))
    search_index.index_loaded(parts, inst_defs)
    FixtureLoad.objects.create(
        checksum=fixtures_checksum(fixtures_dir),
        summary=str(report),
        conflicts=[c.__dict__ for c in report.conflicts],
    )
    for c in report.conflicts:
        log.warning("curator's change kept: %s", c)
    log.info("catalogue loaded: %s", report)
    return report


def _load_regions(regions: list[dict[str, Any]], report: LoadReport) -> None:
    fields = ("code", "name", "short_name", "name_en", "level")
    sync_rows(
        Region,
        "code",
        (
            {
                **{f: r[f] for f in fields},
                "parent_id": r["parent"],
                "longitude": r.get("longitude"),
                "latitude": r.get("latitude"),
            }
            for r in sorted(regions, key=lambda r: r["code"])
        ),
        report,
    )


def _load_vocabularies(fixtures_dir: Path, report: LoadReport) -> None:
    """Themes, topics and the category tree (parents first, so each finds its parent)."""
    for model, name in ((Theme, "themes.json"), (Topic, "topics.json")):
        sync_rows(
            model,
            "slug",
            (
                {"slug": t["slug"], "name": t["name"], "name_en": t["name_en"], "position": i}
                for i, t in enumerate(_read(fixtures_dir / name))
            ),
            report,
        )
    cats = sync_rows(Category, "slug", [], report)
    for i, c in enumerate(_read(fixtures_dir / "categories.json")):
        row = {"slug": c["slug"], "name": c["name"], "name_en": c["name_en"], "position": i}
        row["parent"] = cats.get(c["parent"]) if c["parent"] else None
        cats.update(sync_rows(Category, "slug", [row], report))


def _institution_defs(fixtures_dir: Path, parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every institution: institutions.json and those the part files define, each once."""
    defs = list(_read(fixtures_dir / "institutions.json"))
    for p in parts:
        defs += p.get("institutions", [])
    dupes = [n for n, c in Counter(d["name"] for d in defs).items() if c > 1]
    if dupes:
        raise CatalogueDataError(f"institutions defined more than once: {', '.join(dupes)}")
    return defs


def fixtures_checksum(fixtures_dir: Path) -> str:
    """SHA-256 over every file under fixtures/ (paths and contents), in a stable order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in fixtures_dir.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(fixtures_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fixtures_changed(fixtures_dir: Path) -> bool:
    """True unless the last completed load was of exactly these files."""
    try:
        last = FixtureLoad.objects.latest()
    except FixtureLoad.DoesNotExist:
        return True
    return last.checksum != fixtures_checksum(fixtures_dir)


def _aliases_of(defs: list[dict[str, Any]]) -> dict[str, str]:
    """Every short name and alias → the full name of its institution."""
    return {a: d["name"] for d in defs for a in [d.get("short_name"), *d.get("aliases", [])] if a}


def _english_names(defs: list[dict[str, Any]]) -> dict[str, EnglishName]:
    """Each institution's English name: its own where the fixtures give one (official), else
    composed from its head office's, its places' and its kind's (institutions.english). `defs`
    come parents first, so a head office's English name is known before its branches'."""
    by_name, alias_of = {d["name"]: d for d in defs}, _aliases_of(defs)
    composer = Composer(Region.objects.values_list("name", "short_name", "name_en", "level"))
    out: dict[str, EnglishName] = {}
    for d in defs:
        if d.get("name_en"):
            out[d["name"]] = EnglishName(d["name_en"], OFFICIAL)
            continue
        head = d
        while head.get("parent"):
            head = by_name[alias_of.get(head["parent"], head["parent"])]
        if head is d:
            out[d["name"]] = composer.compose(d["name"])
        else:
            names = [head["name"], head.get("short_name") or "", *head.get("aliases", [])]
            out[d["name"]] = composer.compose(d["name"], head_names=names, head_en=out[head["name"]].text)
    return out


def _load_institutions(defs: list[dict[str, Any]], resolver: Resolver, report: LoadReport) -> None:
    names: dict[str, Institution] = {}
    alias_of = _aliases_of(defs)
    english = _english_names(defs)
    for d in defs:
        parent = names[alias_of.get(d["parent"], d["parent"])] if d.get("parent") else None
        row = {
            "name": d["name"],
            "short_name": d.get("short_name") or "",
            "name_en": english[d["name"]].text,
            "name_en_method": english[d["name"]].method,
            "kind": d["kind"],
            "parent": parent,
            **resolver.places(d, f"institution {d['name']!r}"),
        }
        names.update(sync_rows(Institution, "name", [row], report))
        # The same service as the admin keeps head_office right for the institution and its subtree
        # (it writes nothing when both are already right).
        inst = names[d["name"]]
        # Its parent as kept: a move a curator made in the admin wins over the fixtures (a conflict).
        institution_set_parent(institution=inst, parent=inst.parent)
    _sync_aliases(defs, names, report)


def _sync_aliases(defs: list[dict[str, Any]], names: dict[str, Institution], report: LoadReport) -> None:
    wanted = {a: names[d["name"]] for d in defs for a in d.get("aliases", []) if a and a != d["name"]}
    clash = [a for a in wanted if a in names]
    if clash:
        raise CatalogueDataError(f"aliases equal to another institution's name: {clash}")
    existing = {a.name: a for a in InstitutionAlias.objects.all()}
    stale = [a.pk for n, a in existing.items() if n not in wanted or a.institution_id != wanted[n].pk]
    InstitutionAlias.objects.filter(pk__in=stale).delete()
    fresh = [
        InstitutionAlias(name=n, institution=i)
        for n, i in wanted.items()
        if n not in existing or existing[n].pk in stale
    ]
    InstitutionAlias.objects.bulk_create(fresh)
    report.created["alias"] += len(fresh)


def _new_published(model: type[models.Model], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """New records are published; an existing record keeps the status a curator gave it."""
    known = set(model.objects.filter(key__in=[r["key"] for r in rows]).values_list("key", flat=True))
    return [r if r["key"] in known else {**r, "status": Status.PUBLISHED} for r in rows]


def _load_records(
    model: type[models.Model],
    source_model: type[models.Model],
    fk: str,
    recs: list[Entry],
    resolver: Resolver,
    report: LoadReport,
    row: Callable[[Entry, str], Entry],
    links: Callable[[Any, Entry], list[bool]] = lambda record, rec: [],
) -> dict[str, Any]:
    """Write one kind of record from its fixture entries: its fields (`row`, given the entry and
    where it stands for messages; new records published), its many-to-many `links` (each says
    whether it changed), its sources. A record whose links or sources changed is stamped modified."""
    rows = [row(r, f"{fk} {r['key']}") for r in recs]
    records = sync_rows(model, "key", _new_published(model, rows), report)
    touched = set()
    for r in recs:
        if any(links(records[r["key"]], r)):
            touched.add(records[r["key"]].pk)
    touched |= _sources(source_model, fk, records, {r["key"]: r["sources"] for r in recs}, resolver, report)
    _touch(model, touched)
    return records


def _load_products(recs: list[Entry], resolver: Resolver, report: LoadReport) -> dict[str, Product]:
    def row(r: Entry, where: str) -> Entry:
        return {
            "key": r["key"],
            "name": r["name"],
            "name_is_descriptive": bool(r.get("name_is_descriptive")),
            "institution": resolver.institution(r.get("institution"), where),
            "category": resolver.slugs(resolver.categories, [r["category"]], "category", where)[0],
            "target_clients": r.get("target_clients") or "",
            "collateral": r.get("collateral") or "",
            "description": r.get("description") or "",
        }

    def links(product: Product, r: Entry) -> list[bool]:
        themes = resolver.slugs(resolver.themes, r.get("themes", []), "theme", r["key"])
        return [_sync_m2m(product, "themes", themes)]

    return _load_records(Product, ProductSource, "product", recs, resolver, report, row, links)


def _load_cases(
    recs: list[Entry], products: dict[str, Product], resolver: Resolver, report: LoadReport
) -> None:
    def row(r: Entry, where: str) -> Entry:
        if r["product"] not in products:
            raise CatalogueDataError(f"{where}: unknown product {r['product']!r}")
        return {
            "key": r["key"],
            "product": products[r["product"]],
            "institution": resolver.institution(r["institution"], where),
            "date": parse_date(r.get("date")),
            "amount": Decimal(r["amount"]) if r.get("amount") not in (None, "") else None,
            "currency": r.get("currency") or "",
            "term_months": r.get("term_months"),
            "client": r.get("client") or "",
            "milestone": r.get("milestone") or "",
            "summary": r.get("summary") or "",
            **resolver.places(r, where),
        }

    _load_records(Case, CaseSource, "case", recs, resolver, report, row)


def _load_policies(
    recs: list[Entry], products: dict[str, Product], resolver: Resolver, report: LoadReport
) -> None:
    def row(r: Entry, where: str) -> Entry:
        return {
            "key": r["key"],
            "heading": r["heading"],
            "document_title": r.get("document_title") or "",
            "issuer": resolver.institution(r.get("issuer"), where),
            "level": r["level"],
            "issued_date": parse_date(r.get("issued_date")),
            "summary": r.get("summary") or "",
            "key_measures": list(r.get("key_measures") or []),
            **resolver.places(r, where),
        }

    def links(p: Policy, r: Entry) -> list[bool]:
        where = r["key"]
        return [
            _sync_m2m(p, "themes", resolver.slugs(resolver.themes, r.get("themes", []), "theme", where)),
            _sync_m2m(p, "topics", resolver.slugs(resolver.topics, r.get("topics", []), "topic", where)),
            _sync_m2m(
                p,
                "categories",
                resolver.slugs(resolver.categories, r.get("categories", []), "category", where),
            ),
            _sync_m2m(p, "products", resolver.slugs(products, r.get("products", []), "product", where)),
            _sync_m2m(p, "co_issuers", [resolver.institution(n, where) for n in r.get("co_issuers", [])]),
        ]

    _load_records(Policy, PolicySource, "policy", recs, resolver, report, row, links)


def _load_metrics(recs: list[Entry], resolver: Resolver, report: LoadReport) -> None:
    def row(r: Entry, where: str) -> Entry:
        return {
            "key": r["key"],
            "institution": resolver.institution(r["institution"], where),
            "indicator": r["indicator"],
            "value": Decimal(r["value"]),
            "unit": r["unit"],
            "as_of": parse_date(r.get("as_of")),
            "period": r.get("period") or "",
        }

    _load_records(Metric, MetricSource, "metric", recs, resolver, report, row)
