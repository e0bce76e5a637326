"""Importing an issue of the monthly report: from an uploaded file to drafts, and the review of them.

One transaction per import: a file that fails anywhere leaves nothing behind but the import record
and its log. Each parsed row becomes an ImportItem. A row the catalogue does not have becomes a
draft (a Product when no product of that name exists at the institution or its head office, and a
Case; or a Policy) with its source; a row matching a record (same document and locator) becomes the
field-by-field changes to review. A field a curator changed (django-simple-history: a change saved
by a user, not by the importer) is never overwritten; it is reported as a conflict instead.

A branch the catalogue lacks (交行张家界分行) is not created at import: the draft case points at
the institution the resolver found by the name's start, and the item keeps the branch under its
canonical name (the short name replaced by the bank's full one: 交通银行张家界分行) and the form as
written; accepting the item creates the branch under that institution
(institutions.services.institution_set_parent) and keeps the written form as its alias. So a rejected row leaves no institution behind, institutions, which
have no review state, only ever hold accepted names, and the next issue finds the branch whichever
form it writes. A row whose bank is unknown altogether is kept as a flagged item with no draft until
a curator names a known institution in the review form (import_item_correct).

An import is taken to run once (a conditional UPDATE), so a redelivered task changes nothing; its
rows are written in one transaction whose progress other processes read from the cache; it ends
done, needs attention (no case rows, or too many table lines unplaced) or failed, each with what it
says in every language of the site (loader.messages)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, override

from catalogue.models import Document, Status
from institutions.models import Institution, Region
from institutions.places import check_places
from institutions.services import institution_add_alias, institution_set_parent
from loader import flags as flag
from loader.messages import file_error, in_all_languages, languages, shown
from loader.models import ImportItem, ReportImport
from loader.report import Report, ReportFormatError, parse_report, report_preview
from loader.report.preview import Resolve
from loader.report.source import ReportFileError, read_issue
from loader.report.text import collapse
from loader.resolve import Resolver, parse_date
from policies.models import Policy, PolicySource
from products.models import Case, CaseSource, Category, Product

IMPORT_REASON = "import"
CASE_FIELDS = ("institution", "product", "date", "amount", "currency", "client", "province", "city")
POLICY_FIELDS = ("heading", "document_title", "issuer", "level", "province", "city", "issued_date")


class ReportImportError(ValueError):
    """An import could not be done; the message names the problem (file, layout or size)."""


def max_upload_bytes() -> int:
    return getattr(settings, "REPORT_IMPORT_MAX_BYTES", 20 * 1024 * 1024)


# ---------------------------------------------------------------- resolution and the preview


def preview_resolver(resolver: Resolver) -> Resolve:
    """The preview's `resolve` callable, backed by the one resolver."""

    def head_office(name: str | None) -> str | None:
        head = resolver.head_office(name)
        return head.name if head else None

    def resolve(institution: str | None, province: str | None, city: str | None) -> dict[str, Any]:
        places = resolver.places_lenient(province, city)
        return {
            "head_office": head_office(institution),
            "province": places["province"].name if places["province"] else None,
            "city": places["city"].name if places["city"] else None,
        }

    resolve.head_office = head_office  # type: ignore[attr-defined]
    return resolve


def read_report(data: bytes) -> tuple[str, Report]:
    """Text and parsed report of an uploaded file, or ReportImportError naming the problem."""
    try:
        layout = read_issue(data, max_bytes=max_upload_bytes())
        return layout.text, parse_report(layout)
    except (ReportFileError, ReportFormatError) as exc:
        raise ReportImportError(str(exc)) from None


def report_import_preview(data: bytes) -> dict[str, Any]:
    """The `--dry-run` JSON: what an import would bring in; reads the catalogue, writes nothing."""
    _text, report = read_report(data)
    resolver = Resolver()
    resolver.refresh_institutions()
    return report_preview(report, resolve=preview_resolver(resolver))


# ---------------------------------------------------------------- the import record


def report_import_create(*, file: File, user: Any = None, name: str | None = None) -> ReportImport:
    """Store an uploaded file as a waiting import. Size is checked here (before storing); the
    content is checked when the import runs."""
    file.seek(0)
    data = file.read()
    if len(data) > max_upload_bytes():
        raise ReportImportError(
            f"the file is {len(data) / 1048576:.1f} MB, over the upload limit of "
            f"{max_upload_bytes() / 1048576:.0f} MB"
        )
    file_name = (name or getattr(file, "name", "") or "report.txt").rsplit("/", 1)[-1]
    imp = ReportImport(
        file_name=file_name[:200],
        checksum=hashlib.sha256(data).hexdigest(),
        created_by=user if getattr(user, "pk", None) else None,
    )
    imp.file.save(file_name, ContentFile(data), save=False)
    imp.save()
    return imp


def report_import_run(*, import_id: int) -> ReportImport:
    """Run a waiting import: parse, resolve and write drafts in one transaction. On any error the
    transaction is rolled back and the import is marked failed with the reason in its log.

    Safe to run twice (a broker redelivers a task whose worker died, acks_late): only a waiting
    import, or a running one whose worker stopped (`report_import_is_stale`), is taken, by one
    conditional UPDATE, so a second delivery finds it taken or finished and changes nothing."""
    imp = _claim(import_id)
    if imp is None:
        return ReportImport.objects.get(pk=import_id)
    try:
        with imp.file.open("rb") as fh:
            data = fh.read()
        text, report = read_report(data)
        _hold_lease(imp.pk)  # reading a long PDF takes seconds
        # Committed before the write transaction, so the page shows "0 / N" while rows are written.
        total = len(report.cases) + len(report.policies)
        ReportImport.objects.filter(pk=imp.pk).update(rows_total=total)
        _progress(imp.pk, done=0, failed=0, total=total)
        with transaction.atomic():
            _Importer(imp, text, report).run()
    except ReportImportError as exc:
        _fail(imp, file_error(str(exc)))
        return imp
    except Exception as exc:
        _fail(imp, in_all_languages(_UNEXPECTED, error=repr(exc)))
        raise
    finally:
        cache.delete_many([_progress_key(imp.pk), _lease_key(imp.pk)])
    return imp


_UNEXPECTED = gettext_noop("unexpected error, nothing was imported: %(error)s")


def _claim(import_id: int) -> ReportImport | None:
    """Take a waiting import (or one whose worker stopped) for this run; None if it is not to run."""
    now = timezone.now()
    imp = ReportImport.objects.filter(pk=import_id).first()
    if imp is None:
        return None
    runnable = models.Q(status=ReportImport.Status.PENDING)
    if imp.status == ReportImport.Status.RUNNING and (
        report_import_is_stale(imp, now=now) or report_import_orphaned(imp, now=now)
    ):
        runnable |= models.Q(status=ReportImport.Status.RUNNING, started=imp.started)
    taken = ReportImport.objects.filter(runnable, pk=import_id).update(
        status=ReportImport.Status.RUNNING, started=now, log="", entries=[], reasons=[]
    )
    if not taken:
        return None
    _hold_lease(import_id)
    imp.refresh_from_db()
    return imp


def _fail(imp: ReportImport, texts: dict[str, str]) -> None:
    ReportImport.objects.filter(pk=imp.pk).update(
        status=ReportImport.Status.FAILED,
        log=f"error: {texts.get('en') or shown(texts)}\n",
        entries=[texts],
        reasons=[texts],
        finished=timezone.now(),
        rows_done=0,
        document=None,
        counts={},
        unparsed=[],
    )
    imp.refresh_from_db()


# ---------------------------------------------------------------- progress and stale imports


def stale_after() -> dt.timedelta:
    """How long a running import may go without progress before its worker is taken for dead."""
    return dt.timedelta(minutes=getattr(settings, "REPORT_IMPORT_STALE_MINUTES", 30))


def _progress_key(import_id: int) -> str:
    return f"loader:import-progress:{import_id}"


def _progress(import_id: int, *, done: int, failed: int, total: int) -> None:
    """Rows written so far, in the cache: the import's own rows are inside its transaction, which
    no other process can see until it commits. With Redis every process sees it; without, only the
    process running the import (the web process itself when tasks run inline). Each report renews
    the run's lease."""
    cache.set(
        _progress_key(import_id),
        {"done": done, "failed": failed, "total": total, "at": timezone.now().timestamp()},
        timeout=int(stale_after().total_seconds()) * 2,
    )
    _hold_lease(import_id)


def lease_seconds() -> int:
    """How long a run holds its import without renewing: its worker reports every ten rows and
    before and after reading the file, far more often than this."""
    return int(getattr(settings, "REPORT_IMPORT_LEASE_SECONDS", 60))


def _lease_key(import_id: int) -> str:
    return f"loader:import-lease:{import_id}"


def _hold_lease(import_id: int) -> None:
    cache.set(_lease_key(import_id), timezone.now().timestamp(), timeout=lease_seconds())


def report_import_orphaned(imp: ReportImport, *, now: dt.datetime | None = None) -> bool:
    """A running import whose run holds no lease: its worker was killed (the cache, shared by web
    and workers as the worker heartbeat needs, no longer hears from it). A redelivered task takes
    it over at once instead of leaving it running until it is stale."""
    if imp.status != ReportImport.Status.RUNNING or imp.started is None:
        return False
    now = now or timezone.now()
    held = cache.get(_lease_key(imp.pk)) is not None
    return not held and (now - imp.started).total_seconds() > lease_seconds()


def report_import_progress(imp: ReportImport) -> dict[str, Any]:
    """Rows done (and failed) of all rows: live from the cache while running, else as stored."""
    live = cache.get(_progress_key(imp.pk)) if imp.status == ReportImport.Status.RUNNING else None
    if live:
        return {"done": live["done"], "failed": live["failed"], "total": live["total"], "at": live["at"]}
    at = imp.started.timestamp() if imp.started else None
    return {"done": imp.rows_done, "failed": imp.rows_failed, "total": imp.rows_total, "at": at}


def report_import_is_stale(imp: ReportImport, *, now: dt.datetime | None = None) -> bool:
    """A running import with no progress (nor start) for `stale_after()`: its worker died."""
    if imp.status != ReportImport.Status.RUNNING:
        return False
    now = now or timezone.now()
    last = report_import_progress(imp).get("at") or (imp.started or imp.created).timestamp()
    return now.timestamp() - last > stale_after().total_seconds()


_STALE = gettext_noop(
    "the worker running it stopped: no progress for %(minutes)s minutes. Nothing was imported; "
    "upload the file again"
)


def report_imports_fail_stale() -> int:
    """Mark running imports whose worker died as failed, with the reason; their transaction never
    committed, so nothing of them is in the catalogue. Returns how many."""
    now, n = timezone.now(), 0
    minutes = int(stale_after().total_seconds() // 60)
    for imp in ReportImport.objects.filter(status=ReportImport.Status.RUNNING):
        if report_import_is_stale(imp, now=now):
            # Only if still the same run (a redelivery may have taken it meanwhile).
            still = ReportImport.objects.filter(pk=imp.pk, status=imp.status, started=imp.started)
            if still.exists():
                _fail(imp, in_all_languages(_STALE, minutes=minutes))
                n += 1
    return n


_WAITING = gettext_noop(
    "The task queue did not answer at upload: the import waits and runs when the worker is back. "
    "Nothing of it is imported yet."
)


def report_import_note_waiting(*, imp: ReportImport) -> None:
    """Note on a waiting import that the broker did not take its task (its page says so)."""
    ReportImport.objects.filter(pk=imp.pk, status=ReportImport.Status.PENDING).update(
        entries=[in_all_languages(_WAITING)], log=f"{in_all_languages(_WAITING)['en']}\n"
    )


def report_imports_waiting(*, older_than: dt.timedelta) -> list[int]:
    """Ids of imports still waiting after `older_than`: their task was never sent (the broker was
    down at upload) or was lost; sending it again is safe (report_import_run takes it once)."""
    before = timezone.now() - older_than
    return list(
        ReportImport.objects.filter(status=ReportImport.Status.PENDING, created__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# ---------------------------------------------------------------- values and comparison


def _plain(value: Any) -> Any:
    """A field value as JSON: regions and institutions by name, products by name, dates ISO."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, Region | Institution | Product):
        return value.name
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def curator_changed_fields(record: models.Model) -> set[str]:
    """Fields some user changed by hand (their history entries carry a user and are not the
    importer's), from django-simple-history; the fixture loader's and importer's saves don't count."""
    changed: set[str] = set()
    history = list(record.history.order_by("history_date", "history_id"))
    for prev, cur in zip(history, history[1:], strict=False):
        if cur.history_user_id is None or (cur.history_change_reason or "").startswith(IMPORT_REASON):
            continue
        changed |= set(cur.diff_against(prev).changed_fields)
    return changed


def _compare(record: models.Model, imported: dict[str, Any], fields: Iterable[str]):
    """(diff, conflicts): fields whose imported value differs from the record's, split by whether a
    curator changed the field (a conflict: reported, never overwritten) or not (a change to review)."""
    by_curator = curator_changed_fields(record)
    diff, conflicts = {}, {}
    for f in fields:
        current = _plain(getattr(record, f))
        new = imported.get(f)
        if current == new:
            continue
        if f in by_curator:
            conflicts[f] = {"current": current, "imported": new}
        else:
            diff[f] = [current, new]
    return diff, conflicts


# ---------------------------------------------------------------- the importer


_CONFLICT = gettext_noop(
    "conflict %(record)s %(field)s: kept the curator's %(current)s, imported %(imported)s"
)
_NEW_EDITION = gettext_noop("a new edition of %(file)s: changes are queued for review")
_NO_CASES = gettext_noop("the tables yielded no case rows: is this the whole issue?")
_UNPLACED = gettext_noop(
    "%(unplaced)s of the %(lines)s lines the tables cover (%(share)s%%) could not be placed in a row, "
    "more than %(limit)s%%: compare the lines not parsed with the file"
)


def unplaced_share_limit() -> float:
    """Above this share of table lines left unplaced an import needs attention."""
    return getattr(settings, "REPORT_IMPORT_UNPLACED_SHARE", 0.03)


def attention_reasons(report: Report) -> list[dict[str, str]]:
    """Why a parsed issue does not look whole (each reason in every language); empty when it does.
    `table_lines` / `unplaced_table_lines` come with the parser's table reader; until then 0."""
    reasons = []
    if not report.cases:
        reasons.append(in_all_languages(_NO_CASES))
    lines = getattr(report, "table_lines", 0) or 0
    unplaced = getattr(report, "unplaced_table_lines", 0) or 0
    if lines and unplaced > unplaced_share_limit() * lines:
        reasons.append(
            in_all_languages(
                _UNPLACED,
                unplaced=unplaced,
                lines=lines,
                share=f"{100 * unplaced / lines:.1f}",
                limit=f"{100 * unplaced_share_limit():g}",
            )
        )
    return reasons


class _Importer:
    def __init__(self, imp: ReportImport, text: str, report: Report) -> None:
        self.imp, self.text, self.report = imp, text, report
        self.flat = collapse(text.replace("\t", " "))
        self.resolver = Resolver()
        self.resolver.refresh_institutions()
        self.counts: Counter[str] = Counter()
        self.entries: list[dict[str, str]] = []
        self.conflicts: list[dict[str, Any]] = []
        self.categories = sorted(Category.objects.all(), key=lambda c: -len(c.name))
        self.category_names = {c.name for c in self.categories}
        self.captions = self._captions()

    def note(self, texts: dict[str, str]) -> None:
        self.entries.append(texts)

    def run(self) -> None:
        imp, report = self.imp, self.report
        self.document = self._document()
        imp.document = self.document
        imp.rows_total = len(report.cases) + len(report.policies)
        imp.rows_done = imp.rows_failed = 0
        for case in report.cases:
            self._row(lambda c=case: self._case(c), case.locator)
        for policy in report.policies:
            self._row(lambda p=policy: self._policy(p), policy.locator)
        imp.unparsed = [{"line": no, "text": text} for no, text in report.unparsed]
        self.counts["unparsed lines"] = len(report.unparsed)
        if getattr(report, "table_lines", 0):
            self.counts["table lines"] = report.table_lines
            self.counts["unplaced table lines"] = getattr(report, "unplaced_table_lines", 0) or 0
        imp.counts = dict(self.counts) | {"conflicts": len(self.conflicts)}
        imp.conflicts = self.conflicts
        for c in self.conflicts:
            self.note(
                in_all_languages(
                    _CONFLICT,
                    record=c["record"],
                    field=c["field"],
                    current=repr(c["current"]),
                    imported=repr(c["imported"]),
                )
            )
        imp.entries = self.entries
        imp.log = "".join(f"{e['en']}\n" for e in self.entries)
        # The final status is written in the import's own transaction: a worker dying after the
        # commit cannot leave committed rows under a `running` (later `failed`) import.
        imp.reasons = attention_reasons(report)
        imp.status = ReportImport.Status.ATTENTION if imp.reasons else ReportImport.Status.DONE
        imp.finished = timezone.now()
        imp.save()

    def _row(self, work, locator: str) -> None:
        try:
            with transaction.atomic():
                work()
            self.imp.rows_done += 1
        except _RowError as exc:
            self.imp.rows_failed += 1
            self.counts["failed"] += 1
            self.note({lang: f"{locator}: {text}" for lang, text in exc.texts.items()})
        done = self.imp.rows_done + self.imp.rows_failed
        if done % 10 == 0 or done == self.imp.rows_total:
            _progress(
                self.imp.pk, done=self.imp.rows_done, failed=self.imp.rows_failed, total=self.imp.rows_total
            )

    # -- the issue's Document

    def _document(self) -> Document:
        r = self.report
        month = f"{r.year}-{r.month:02d}"
        found = Document.objects.filter(kind="monthly-report", published=month, title__startswith=r.title)
        doc = found.order_by("pk").first()
        if doc is not None:
            if doc.checksum and doc.checksum != self.imp.checksum:
                self.note(in_all_languages(_NEW_EDITION, file=doc.file_name))
            return doc
        name = self.imp.file_name
        if Document.objects.filter(file_name=name).exists():
            name = f"{self.imp.checksum[:12]}_{name}"[:200]
        self.counts["documents created"] += 1
        return Document.objects.create(
            file_name=name,
            title=f"{r.title}（{r.year}年{r.month}月）",
            publisher=r.publisher,
            kind="monthly-report",
            published=month,
            checksum=self.imp.checksum,
        )

    def _captions(self) -> dict[str, str]:
        """表N → its caption (the last occurrence: the body, not the table of contents)."""
        import re

        out = {}
        for raw in self.text.splitlines():
            m = re.match(r"^\s*表\s*(\d+)\s*(.+)$", raw)
            if m:
                out[f"表{m.group(1)}"] = m.group(2).replace(" ", "")
        return out

    def _category(self, product: str, locator: str) -> Category:
        """The category whose name the product name or its table's caption contains (the longest
        such name), else 其他; the reviewer refines it."""
        caption = self.captions.get(locator.split()[0], "")
        for text in (product, caption):
            for c in self.categories:
                if c.name and c.name in text:
                    return c
        return Category.objects.get(slug="other")

    # -- provenance

    def _places(self, province: str | None, city: str | None) -> dict[str, Region | None]:
        """Places as written, resolved leniently, then held to the shared place rule."""
        places = self.resolver.places_lenient(province, city)
        try:
            check_places(places["province"], places["city"], places["district"])
        except ValidationError:
            raise _RowError(_place_errors(places["province"], places["city"])) from None
        return places

    def _excerpt(self, excerpt: str) -> str:
        ex = collapse(excerpt)
        if not 12 <= len(ex) <= 80:
            raise _RowError(_EXCERPT_LENGTH, length=len(ex), excerpt=repr(ex))
        if ex not in self.flat:
            raise _RowError(_EXCERPT_MISSING, excerpt=repr(ex))
        return ex

    def _matched(self, source_model, kind: str, locator: str):
        src = (
            source_model.objects.filter(document=self.document, locator=locator)
            .select_related(kind)
            .order_by("pk")
            .first()
        )
        return getattr(src, kind) if src else None

    def _known(
        self,
        source_model: Any,
        kind: str,
        locator: str,
        parsed: dict,
        imported: dict,
        fields: Any,
        excerpt: str,
        line: int,
    ) -> tuple[bool, Any, ImportItem | None]:
        """(handled, record, previous item) for a row an earlier import saw: a published record
        it matches is merged with (handled); a row queued or rejected with the same content is
        left as it is (handled)."""
        prev = self._previous(kind, locator)
        record = self._matched(source_model, kind, locator)
        if record is None and prev is not None and prev.decision == ImportItem.Decision.ACCEPTED:
            record = prev.record
        if record is not None and record.status != Status.DRAFT:
            self._merge(kind, locator, parsed, imported, fields, record, prev, excerpt, line)
            return True, record, prev
        # Already queued (pending) or rejected for the same content.
        return prev is not None and _same(prev.parsed, parsed), record, prev

    def _previous(self, kind: str, locator: str) -> ImportItem | None:
        return (
            ImportItem.objects.filter(document=self.document, kind=kind, locator=locator)
            .order_by("-pk")
            .first()
        )

    def _created(self, kind: str, row: Any, *, parsed: dict, excerpt: str, record: Any) -> ImportItem:
        """The item of a row the import has not seen before (`record`: its draft, or None)."""
        return self._item(
            kind=kind,
            action=ImportItem.Action.CREATE,
            locator=row.locator,
            line=row.line,
            parsed=parsed,
            excerpt=excerpt,
            record=record,
        )

    def _item(self, **kw: Any) -> ImportItem:
        record = kw.pop("record", None)
        if record is not None:
            kw["record_type"] = ContentType.objects.get_for_model(record)
            kw["record_id"] = record.pk
        item = ImportItem.objects.create(report_import=self.imp, document=self.document, **kw)
        self.counts[f"{kw['kind']} {kw['action']}"] += 1
        return item

    def _merge(
        self, kind: str, locator: str, parsed: dict, imported: dict, fields, record, prev, excerpt, line
    ):
        """A row whose record exists: report conflicts, queue the changes unless already queued or
        rejected for the same content."""
        diff, conflicts = _compare(record, imported, fields)
        for f, v in conflicts.items():
            self.conflicts.append({"record": f"{kind} {record.key}", "field": f, **v})
        if not diff:
            return
        if prev is not None and _same(prev.parsed, parsed) and prev.decision != ImportItem.Decision.ACCEPTED:
            return  # the same content is already queued or was rejected
        self._item(
            kind=kind,
            action=ImportItem.Action.UPDATE,
            locator=locator,
            line=line,
            parsed=parsed,
            excerpt=excerpt,
            record=record,
            diff=diff,
            conflicts=conflicts,
        )

    # -- cases

    def _case(self, c) -> None:
        excerpt = self._excerpt(c.excerpt)
        product_name, descriptive = c.product, c.product_descriptive
        if not product_name:
            # The row names no product (a table of one kind of product): the table's category
            # names it, marked as a descriptive name, as the curated data does.
            category = self._category("", c.locator)
            if category.slug == "other":
                raise _RowError(_NO_PRODUCT)
            product_name, descriptive = category.name, True
        who, owner = _institution_as_written(self.resolver, c.institution)
        places = self._places(c.province, c.city)
        imported = {
            "institution": who["institution"],
            "product": product_name,
            "date": _plain(c.date),
            "amount": _plain(c.amount),
            "currency": c.currency or None,
            "client": c.client or None,
            "province": _plain(places["province"]),
            "city": _plain(places["city"]),
        }
        parsed = imported | {"summary": c.description, **who}
        handled, record, prev = self._known(
            CaseSource, "case", c.locator, parsed, imported, CASE_FIELDS, excerpt, c.line
        )
        if handled:
            return
        if prev is not None and prev.decision == ImportItem.Decision.PENDING:
            _discard_draft(prev)  # a corrected edition replaces the draft still under review
            prev.decision = ImportItem.Decision.REJECTED
            prev.save(update_fields=["decision"])
        parsed["descriptive"] = descriptive
        parsed["category"] = self._category(product_name, c.locator).slug
        case = None
        if owner is not None:
            # Not even the head office known: the row waits, flagged, with the institution as
            # written and no draft, until a curator names a known institution in the review form.
            case, parsed["new_product"] = _case_draft(
                document=self.document, locator=c.locator, excerpt=excerpt, institution=owner, values=parsed
            )
        item = self._created("case", c, parsed=parsed, excerpt=excerpt, record=case)
        _set_flags(item, resolver=self.resolver, category_names=self.category_names, case=case)
        if item.flagged:
            self.counts["flagged"] += 1

    # -- policies

    def _policy(self, p) -> None:
        excerpt = self._excerpt(p.excerpt)
        issuer, exact = self.resolver.institution_as_written(p.issuer)
        issuer = issuer if exact else None  # an issuer is named in full or not at all
        places = self._places(p.province, p.city)
        imported = {
            "heading": p.heading[:300],
            "document_title": p.document_title[:300] or None,
            "issuer": _plain(issuer),
            "level": p.level,
            "province": _plain(places["province"]),
            "city": _plain(places["city"]),
            "issued_date": _plain(p.issued_date),
        }
        parsed = imported | {"issuer_as_written": p.issuer or None, "summary": p.summary}
        handled, record, prev = self._known(
            PolicySource, "policy", p.locator, parsed, imported, POLICY_FIELDS, excerpt, p.line
        )
        if handled:
            return
        if record is not None and prev is not None and prev.decision == ImportItem.Decision.PENDING:
            _discard_draft(prev)
            prev.decision = ImportItem.Decision.REJECTED
            prev.save(update_fields=["decision"])
        if p.level not in Policy.Level.values:
            raise _RowError(_LEVEL, level=repr(p.level), levels=", ".join(Policy.Level.values))
        policy = Policy(
            key=_key(self.document, "n", p.locator),
            heading=p.heading[:300],
            document_title=p.document_title[:300],
            issuer=issuer,
            level=p.level,
            province=places["province"],
            city=places["city"],
            issued_date=p.issued_date,
            summary=p.summary,
            status=Status.DRAFT,
        )
        policy._change_reason = IMPORT_REASON
        policy.save()
        policy.sources.create(
            document=self.document, part=p.locator.split()[0], locator=p.locator, excerpt=excerpt
        )
        self._created("policy", p, parsed=parsed, excerpt=excerpt, record=policy)


def _same(before: dict[str, Any], now: dict[str, Any]) -> bool:
    """The same row content: the fields as imported, the institution as the document wrote it
    (what the importer noted about its own work aside, so items of earlier versions still match)."""
    return _content(before) == _content(now)


def _content(parsed: dict[str, Any]) -> dict[str, Any]:
    keys = (*CASE_FIELDS, *POLICY_FIELDS, "summary", "issuer_as_written")
    out = {k: parsed.get(k) for k in keys}
    out["institution"] = parsed.get("as_written") or parsed.get("institution")
    return out


class _RowError(Exception):
    """One row cannot be imported; it is counted as failed and logged, the rest go on. It says why
    in every language (a template and its params, or the texts themselves)."""

    def __init__(self, message: str | dict[str, str], **params: Any) -> None:
        self.texts = message if isinstance(message, dict) else in_all_languages(message, **params)
        super().__init__(self.texts.get("en") or shown(self.texts))


_EXCERPT_LENGTH = gettext_noop("excerpt of %(length)s characters (12–80 allowed): %(excerpt)s")
_EXCERPT_MISSING = gettext_noop("excerpt not found in the file: %(excerpt)s")
_NO_PRODUCT = gettext_noop("no product name in the row, and its table names no category")
_LEVEL = gettext_noop("level %(level)s is not one of %(levels)s")


def _place_errors(province: Region | None, city: Region | None) -> dict[str, str]:
    """The place rule's messages in every language (check_places words them in the active one)."""
    texts = {}
    for lang in languages():
        with override(lang):
            try:
                check_places(province, city, None)
                texts[lang] = ""
            except ValidationError as exc:
                texts[lang] = " ".join(exc.messages)
    return texts


def _key(document: Document, kind: str, locator: str) -> str:
    digest = hashlib.sha1(locator.encode()).hexdigest()[:12]
    return f"imp-{document.pk}-{kind}-{digest}"


def _institution_as_written(
    resolver: Resolver, written: str | None
) -> tuple[dict[str, Any], Institution | None]:
    """What a row's institution is, for its item (`institution`: the name the record will have,
    `head_office`, `branch`: a branch to create on acceptance, under its canonical name, `as_written`
    when that differs from what the document wrote), and the institution its draft points at now:
    the institution itself, the one a new branch goes under, or None when not even the head office
    is known."""
    inst, exact = resolver.institution_as_written(written)
    if inst is None:
        return {"institution": written or None, "head_office": None, "branch": None}, None
    head = inst.head_office or inst
    if exact:
        return {"institution": inst.name, "head_office": head.name, "branch": None}, inst
    parent, canonical = resolver.branch_as_written(written)
    who = {"institution": canonical, "head_office": head.name, "branch": canonical}
    if canonical != written:
        who["as_written"] = written
    return who, parent


def _case_draft(
    *, document: Document, locator: str, excerpt: str, institution: Institution, values: dict[str, Any]
) -> tuple[Case, bool]:
    """A draft case (and a draft product when no product of that name exists at the institution or
    its head office) with its source; returns the case and whether its product is new."""
    head = institution.head_office or institution
    name = values["product"]
    product = (
        Product.objects.filter(name=name, institution__in={institution.pk, head.pk})
        .exclude(status=Status.WITHDRAWN)
        .order_by("pk")
        .first()
    )
    part = locator.split()[0]
    new_product = product is None
    if new_product:
        product = Product(
            key=_key(document, "p", locator),
            name=name,
            name_is_descriptive=bool(values.get("descriptive")),
            institution=institution,
            category=Category.objects.filter(slug=values.get("category") or "other").first()
            or Category.objects.get(slug="other"),
            description=values.get("summary") or "",
            status=Status.DRAFT,
        )
        product._change_reason = IMPORT_REASON
        product.save()
        product.sources.create(document=document, part=part, locator=locator, excerpt=excerpt)
    places = _regions(values.get("province"), values.get("city"))
    amount = Decimal(values["amount"]) if values.get("amount") not in (None, "") else None
    case = Case(
        key=_key(document, "c", locator),
        product=product,
        institution=institution,
        date=parse_date(values.get("date")),
        amount=amount,
        currency=(values.get("currency") or "") if amount is not None else "",
        client=(values.get("client") or "")[:200],
        province=places["province"],
        city=places["city"],
        summary=values.get("summary") or "",
        status=Status.DRAFT,
    )
    case._change_reason = IMPORT_REASON
    case.save()
    case.sources.create(document=document, part=part, locator=locator, excerpt=excerpt)
    return case, new_product


def _regions(province: str | None, city: str | None) -> dict[str, Region | None]:
    """Full province and city names (as items keep them) → regions."""
    return {
        "province": Region.objects.filter(name=province, level="province").first() if province else None,
        "city": Region.objects.filter(name=city, level="city").first() if city else None,
    }


def _set_flags(
    item: ImportItem, *, resolver: Resolver, category_names: set[str] | None = None, case: Case | None = None
) -> None:
    """Store why the item's draft may be wrong (loader.flags); policies have no checks yet."""
    if item.kind != "case":
        return
    if category_names is None:
        category_names = set(Category.objects.values_list("name", flat=True))
    item.flags = flag.case_flags(item.values, resolver=resolver, category_names=category_names, case=case)
    item.flagged = bool(item.flags)
    item.save(update_fields=["flags", "flagged"])


# ---------------------------------------------------------------- review


def _discard_draft(item: ImportItem) -> None:
    """Delete the draft a rejected 'new record' item made (and its new product, if nothing else uses it)."""
    record = item.record
    if record is None or record.status != Status.DRAFT:
        return
    product = record.product if isinstance(record, Case) else None
    record.delete()
    item._state.fields_cache.pop("record", None)  # keep record_id as a reference to what was dropped
    if (
        product is not None
        and item.values.get("new_product")
        and product.status == Status.DRAFT
        and not product.cases.exists()
    ):
        product.delete()


@transaction.atomic
def import_item_accept(*, item: ImportItem, user: Any = None) -> ImportItem:
    """Publish a draft (creating its branch under the head office if the catalogue lacked it), or
    apply the reviewed changes to the matched record, except fields a curator changed since. What
    cannot be accepted as it stands raises ReportImportError with the reason (never a database
    error): a row whose institution is unknown, a record gone, places that do not nest."""
    if item.decision == ImportItem.Decision.ACCEPTED:
        return item
    record = item.record
    if record is None:
        if item.action == ImportItem.Action.CREATE and item.record_id is None:
            raise ReportImportError(
                gettext(
                    "%(locator)s: the catalogue knows neither %(name)s nor its head office; correct "
                    "the institution in the draft's form first"
                )
                % {"locator": item.locator, "name": item.values.get("institution") or "—"}
            )
        raise ReportImportError(
            gettext("%(locator)s: its record no longer exists") % {"locator": item.locator}
        )
    reason = f"{IMPORT_REASON}: {item.report_import.file_name} {item.locator}"
    if item.action == ImportItem.Action.CREATE:
        _check_record_places(record, item)
        if isinstance(record, Case):
            _accept_case(record, item, reason)
        record.status = Status.PUBLISHED
        record._change_reason = reason
        record.save()
    else:
        fields = CASE_FIELDS if item.kind == "case" else POLICY_FIELDS
        _diff, conflicts = _compare(record, {f: new for f, (_cur, new) in item.diff.items()}, fields)
        resolver = None
        for f, (_cur, new) in item.diff.items():
            if f in conflicts or f == "product":
                # A curator changed it since (theirs stands); a product is renamed by hand, not here.
                continue
            if f in ("institution", "issuer") and new:
                # Written differently from the record's (a corrected edition writing a branch in
                # full): through the resolver, which finds aliases and creates a missing branch.
                resolver = resolver or _fresh_resolver()
                setattr(record, f, _institution_for(resolver, new, item=item, create=f == "institution"))
                continue
            _set_field(record, f, new)
        item.conflicts = conflicts
        # A curator's province kept beside an imported city must still nest (or nothing is applied).
        _check_record_places(record, item)
        record._change_reason = reason
        record.save()
    item.decision = ImportItem.Decision.ACCEPTED
    item.decided_by = user if getattr(user, "pk", None) else None
    item.decided = timezone.now()
    item.save()
    return item


def _fresh_resolver() -> Resolver:
    resolver = Resolver()
    resolver.refresh_institutions()
    return resolver


def _institution_for(resolver: Resolver, name: str, *, item: ImportItem, create: bool) -> Institution:
    """The institution a name written in a reviewed row stands for: known (full name, alias, short
    name, canonical branch), or a branch created under the institution it starts with (when
    `create`); else ReportImportError."""
    found, exact = resolver.institution_as_written(name)
    if found is not None and exact:
        return found
    branch = resolver.branch_as_written(name) if create else None
    if branch is None:
        raise ReportImportError(
            gettext("%(locator)s: the catalogue has no institution named %(name)s")
            % {"locator": item.locator, "name": name}
        )
    parent, canonical = branch
    inst = _branch(parent, canonical, as_written=name)
    resolver.refresh_institutions()
    return inst


def _branch(parent: Institution, name: str, *, as_written: str | None) -> Institution:
    """The branch `name` under `parent`, created if the catalogue lacks it; the name as the document
    wrote it kept as an alias, so the next issue writing that form finds the same branch."""
    inst = Institution.objects.filter(name=name).first()
    if inst is None:
        inst = Institution.objects.create(name=name, kind=Institution.Kind.BRANCH)
        institution_set_parent(institution=inst, parent=parent)
    if as_written and as_written != name:
        institution_add_alias(institution=inst, name=as_written)
    return inst


def _check_record_places(record: models.Model, item: ImportItem) -> None:
    """The shared place rule on a draft about to be published (a curator may have edited it)."""
    try:
        check_places(record.province, record.city, record.district)
    except ValidationError as exc:
        raise ReportImportError(f"{item.locator}: {' '.join(exc.messages)}") from None


def _accept_case(case: Case, item: ImportItem, reason: str) -> None:
    values = item.values
    branch = values.get("branch")
    if branch:
        inst = _branch(case.institution, branch, as_written=values.get("as_written"))
        case.institution = inst
        if values.get("new_product") and case.product.institution_id != inst.pk:
            case.product.institution = inst
    if case.product.status == Status.DRAFT:
        case.product.status = Status.PUBLISHED
        case.product._change_reason = reason
        case.product.save()


def _set_field(record: models.Model, field: str, value: Any) -> None:
    """Write one reviewed value back in the model's terms (names → rows, strings → dates)."""
    f = record._meta.get_field(field)
    if value is None:
        value = None if f.null else ""
    elif isinstance(f, models.ForeignKey):
        rel = f.related_model
        if rel is Region:
            level = "province" if field == "province" else "city"
            value = Region.objects.filter(name=value, level=level).first()
        elif rel is Institution:
            value = Institution.objects.filter(name=value).first()
    else:
        value = f.to_python(value)
    setattr(record, field, value)


def import_item_reject(*, item: ImportItem, user: Any = None) -> ImportItem:
    """Reject a row: its draft is deleted; a later import of the same content leaves it rejected."""
    with transaction.atomic():
        if item.action == ImportItem.Action.CREATE and item.decision == ImportItem.Decision.PENDING:
            _discard_draft(item)
        item.decision = ImportItem.Decision.REJECTED
        item.decided_by = user if getattr(user, "pk", None) else None
        item.decided = timezone.now()
        item.save()
    return item


def _each_pending(items: Iterable[ImportItem], decide: Callable[..., ImportItem], user: Any) -> int:
    """Decide every still-pending item; how many were decided."""
    done = 0
    for item in items:
        if item.decision == ImportItem.Decision.PENDING:
            decide(item=item, user=user)
            done += 1
    return done


def import_items_accept(*, items: Iterable[ImportItem], user: Any = None) -> int:
    return _each_pending(items, import_item_accept, user)


def import_items_reject(*, items: Iterable[ImportItem], user: Any = None) -> int:
    return _each_pending(items, import_item_reject, user)


# ---------------------------------------------------------------- a curator's correction

CORRECTION_REASON = "correction in review"
CASE_CORRECTABLE = ("institution", "product", "date", "amount", "currency", "client", "province", "city")
POLICY_CORRECTABLE = ("heading", "issuer", "level", "issued_date", "province", "city")


@transaction.atomic
def import_item_correct(*, item: ImportItem, values: dict[str, Any], user: Any = None) -> ImportItem:
    """Apply a curator's corrections to a draft still under review (`values`: field → value, regions
    as Region rows, amounts as Decimal, dates as dates). The draft record changes, saved as the
    curator's (its history names them; a later import treats those fields as theirs); the item keeps
    what was parsed and notes the corrections beside it, and its flags are checked again. A row whose
    institution was unknown gets its draft now. ValidationError (by field) when the values cannot
    stand: an unknown institution or issuer, places that do not nest."""
    resolver = _fresh_resolver()
    import_item_check_correction(item=item, values=values, resolver=resolver)
    plain = {k: _plain(v) for k, v in values.items()}
    changed = {k: v for k, v in plain.items() if v != item.values.get(k)}
    if item.kind == "case":
        _correct_case(item, values, plain, changed, resolver, user)
    else:
        _correct_policy(item, values, changed, resolver, user)
    item.corrections = {**item.corrections, **changed}
    item.save(update_fields=["corrections", "record_type", "record_id", "parsed"])
    _set_flags(item, resolver=resolver, case=item.record if item.kind == "case" else None)
    return item


def import_item_check_correction(
    *, item: ImportItem, values: dict[str, Any], resolver: Resolver | None = None
) -> None:
    """ValidationError (by field) when a correction cannot stand; writes nothing (the review form
    calls it to show the errors beside the fields)."""
    if item.decision != ImportItem.Decision.PENDING or item.action != ImportItem.Action.CREATE:
        raise ValidationError(gettext("Only a new draft still to review can be corrected."))
    errors: dict[str, list[str]] = {}
    try:
        check_places(values.get("province"), values.get("city"), None)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    resolver = resolver or _fresh_resolver()
    if item.kind == "case":
        found, _exact = resolver.institution_as_written(values.get("institution"))
        if found is None:
            errors["institution"] = [
                gettext("The catalogue has no institution named %(name)s, nor its head office.")
                % {"name": values.get("institution") or "—"}
            ]
        if values.get("amount") is not None and not values.get("currency"):
            errors["currency"] = [gettext("Give the currency of the amount (CNY, USD …).")]
    elif values.get("issuer"):
        found, exact = resolver.institution_as_written(values["issuer"])
        if found is None or not exact:
            errors["issuer"] = [
                gettext("The catalogue has no institution named %(name)s.") % {"name": values["issuer"]}
            ]
    if errors:
        raise ValidationError(errors)


def _correct_case(item, values, plain, changed, resolver, user) -> None:
    who, owner = _institution_as_written(resolver, plain.get("institution"))
    if "institution" in changed:
        # The institution as the curator names it: a new branch is again created on acceptance.
        # The form the curator typed is kept as the new branch's alias, as an issue's would be.
        changed.update({"head_office": who["head_office"], "branch": who["branch"]})
        changed.update({"institution": who["institution"], "as_written": who.get("as_written")})
    case = item.record
    if case is None:
        case, new_product = _case_draft(
            document=item.document,
            locator=item.locator,
            excerpt=item.excerpt,
            institution=owner,
            values={**item.values, **plain},
        )
        changed["new_product"] = new_product
        item.record_type = ContentType.objects.get_for_model(Case)
        item.record_id = case.pk
        item.record = case
    else:
        case.institution = owner
        if "product" in changed:
            case.product = _corrected_product(item, case, plain["product"], owner, changed)
        if changed.get("new_product") and case.product.institution_id != owner.pk:
            case.product.institution = owner
            case.product.save()
        case.date = values.get("date")
        case.amount = values.get("amount")
        case.currency = (values.get("currency") or "") if case.amount is not None else ""
        case.client = (values.get("client") or "")[:200]
        case.province, case.city = values.get("province"), values.get("city")
    case._history_user = user if getattr(user, "pk", None) else None
    case._change_reason = CORRECTION_REASON
    case.save()


def _corrected_product(item, case: Case, name: str, owner: Institution, changed: dict) -> Product:
    """The product a corrected name stands for: one of that name at the institution or its head
    office, else the draft this row made, renamed, else a new draft."""
    head = owner.head_office or owner
    found = (
        Product.objects.filter(name=name, institution__in={owner.pk, head.pk})
        .exclude(status=Status.WITHDRAWN)
        .order_by("pk")
        .first()
    )
    if found is not None:
        changed["new_product"] = False
        return found
    product = case.product
    if item.values.get("new_product") and product.status == Status.DRAFT and product.cases.count() == 1:
        product.name = name
        product._change_reason = CORRECTION_REASON
        product.save()
        return product
    changed["new_product"] = True
    return Product.objects.create(
        key=_key(item.document, "p", f"{item.locator} {name}"),
        name=name,
        institution=owner,
        category=product.category,
        description=product.description,
        status=Status.DRAFT,
    )


def _correct_policy(item, values, changed, resolver, user) -> None:
    policy = item.record
    issuer = None
    if values.get("issuer"):
        issuer, _exact = resolver.institution_as_written(values["issuer"])
        changed["issuer"] = issuer.name
    policy.heading = values.get("heading") or policy.heading
    policy.issuer = issuer
    policy.level = values.get("level") or policy.level
    policy.issued_date = values.get("issued_date")
    policy.province, policy.city = values.get("province"), values.get("city")
    policy._history_user = user if getattr(user, "pk", None) else None
    policy._change_reason = CORRECTION_REASON
    policy.save()
