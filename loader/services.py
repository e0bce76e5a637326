"""Importing an issue of the monthly report: from an uploaded file to drafts, and the review of them.

One transaction per import: a file that fails anywhere leaves nothing behind but the import record
and its log. Each parsed row becomes an ImportItem. A row the catalogue does not have becomes a
draft (a Product when no product of that name exists at the institution or its head office, and a
Case; or a Policy) with its source; a row matching a record (same document and locator) becomes the
field-by-field changes to review. A field a curator changed (django-simple-history: a change saved
by a user, not by the importer) is never overwritten; it is reported as a conflict instead.

A branch the catalogue lacks (交行张家界分行) is not created at import: the draft case points at
the head office the resolver found and the item keeps the branch as written; accepting the item
creates the branch under that head office (institutions.services.institution_set_parent). So a
rejected row leaves no institution behind, and institutions, which have no review state, only
ever hold accepted names."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import models, transaction
from django.utils import timezone

from catalogue.models import Document, Status
from institutions.models import Institution, Region
from institutions.places import check_places
from institutions.services import institution_set_parent
from loader.models import ImportItem, ReportImport
from loader.report import Report, ReportFormatError, parse_report, report_preview
from loader.report.preview import Resolve
from loader.report.source import ReportFileError, read_issue
from loader.report.text import collapse
from loader.resolve import Resolver
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
    transaction is rolled back and the import is marked failed with the reason in its log."""
    imp = ReportImport.objects.get(pk=import_id)
    imp.status, imp.log = ReportImport.Status.RUNNING, ""
    imp.save(update_fields=["status", "log"])
    try:
        with imp.file.open("rb") as fh:
            data = fh.read()
        text, report = read_report(data)
        with transaction.atomic():
            _Importer(imp, text, report).run()
    except ReportImportError as exc:
        _fail(imp, str(exc))
        return imp
    except Exception as exc:
        _fail(imp, f"unexpected error, nothing was imported: {exc!r}")
        raise
    imp.status, imp.finished = ReportImport.Status.DONE, timezone.now()
    imp.save()
    return imp


def _fail(imp: ReportImport, message: str) -> None:
    ReportImport.objects.filter(pk=imp.pk).update(
        status=ReportImport.Status.FAILED,
        log=f"error: {message}\n",
        finished=timezone.now(),
        rows_done=0,
        document=None,
        counts={},
        unparsed=[],
    )
    imp.refresh_from_db()


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


class _Importer:
    def __init__(self, imp: ReportImport, text: str, report: Report) -> None:
        self.imp, self.text, self.report = imp, text, report
        self.flat = collapse(text.replace("\t", " "))
        self.resolver = Resolver()
        self.resolver.refresh_institutions()
        self.counts: Counter[str] = Counter()
        self.log: list[str] = []
        self.conflicts: list[dict[str, Any]] = []
        self.categories = sorted(Category.objects.all(), key=lambda c: -len(c.name))
        self.captions = self._captions()

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
        imp.counts = dict(self.counts) | {"conflicts": len(self.conflicts)}
        imp.conflicts = self.conflicts
        for c in self.conflicts:
            self.log.append(
                f"conflict {c['record']} {c['field']}: kept the curator's {c['current']!r}, "
                f"imported {c['imported']!r}"
            )
        imp.log = "\n".join(self.log) + ("\n" if self.log else "")
        imp.save()

    def _row(self, work, locator: str) -> None:
        try:
            with transaction.atomic():
                work()
            self.imp.rows_done += 1
        except _RowError as exc:
            self.imp.rows_failed += 1
            self.counts["failed"] += 1
            self.log.append(f"{locator}: {exc}")

    # -- the issue's Document

    def _document(self) -> Document:
        r = self.report
        month = f"{r.year}-{r.month:02d}"
        found = Document.objects.filter(kind="monthly-report", published=month, title__startswith=r.title)
        doc = found.order_by("pk").first()
        if doc is not None:
            if doc.checksum and doc.checksum != self.imp.checksum:
                self.log.append(f"a new edition of {doc.file_name}: changes are queued for review")
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
        except ValidationError as exc:
            raise _RowError(" ".join(exc.messages)) from None
        return places

    def _excerpt(self, excerpt: str) -> str:
        ex = collapse(excerpt)
        if not 12 <= len(ex) <= 80:
            raise _RowError(f"excerpt of {len(ex)} characters (12–80 allowed): {ex!r}")
        if ex not in self.flat:
            raise _RowError(f"excerpt not found in the file: {ex!r}")
        return ex

    def _matched(self, source_model, kind: str, locator: str):
        src = (
            source_model.objects.filter(document=self.document, locator=locator)
            .select_related(kind)
            .order_by("pk")
            .first()
        )
        return getattr(src, kind) if src else None

    def _previous(self, kind: str, locator: str) -> ImportItem | None:
        return (
            ImportItem.objects.filter(document=self.document, kind=kind, locator=locator)
            .order_by("-pk")
            .first()
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
        product_name, descriptive = c.product, False
        if not product_name:
            # The row names no product (a table of one kind of product): the table's category
            # names it, marked as a descriptive name, as the curated data does.
            category = self._category("", c.locator)
            if category.slug == "other":
                raise _RowError("no product name in the row, and its table names no category")
            product_name, descriptive = category.name, True
        inst, exact = self.resolver.institution_as_written(c.institution)
        if inst is None:
            raise _RowError(f"unknown institution {c.institution!r}")
        head = inst.head_office or inst
        branch = None
        if not exact:
            inst, branch = head, c.institution
        places = self._places(c.province, c.city)
        imported = {
            "institution": branch or inst.name,
            "product": product_name,
            "date": _plain(c.date),
            "amount": _plain(c.amount),
            "currency": c.currency or None,
            "client": c.client or None,
            "province": _plain(places["province"]),
            "city": _plain(places["city"]),
        }
        parsed = imported | {"head_office": head.name, "summary": c.description, "branch": branch}
        prev = self._previous("case", c.locator)
        record = self._matched(CaseSource, "case", c.locator)
        if record is None and prev is not None and prev.decision == ImportItem.Decision.ACCEPTED:
            record = prev.record
        if record is not None and record.status != Status.DRAFT:
            self._merge("case", c.locator, parsed, imported, CASE_FIELDS, record, prev, excerpt, c.line)
            return
        if prev is not None and _same(prev.parsed, parsed):
            return  # already queued (pending) or rejected for the same content
        if record is not None and prev is not None and prev.decision == ImportItem.Decision.PENDING:
            _discard_draft(prev)  # a corrected edition replaces the draft still under review
            prev.decision = ImportItem.Decision.REJECTED
            prev.save(update_fields=["decision"])
        product = (
            Product.objects.filter(name=product_name, institution__in={inst.pk, head.pk})
            .exclude(status=Status.WITHDRAWN)
            .order_by("pk")
            .first()
        )
        part = c.locator.split()[0]
        new_product = product is None
        if new_product:
            product = Product(
                key=_key(self.document, "p", c.locator),
                name=product_name,
                name_is_descriptive=descriptive,
                institution=inst,
                category=self._category(product_name, c.locator),
                description=c.description,
                status=Status.DRAFT,
            )
            product._change_reason = IMPORT_REASON
            product.save()
            product.sources.create(document=self.document, part=part, locator=c.locator, excerpt=excerpt)
        case = Case(
            key=_key(self.document, "c", c.locator),
            product=product,
            institution=inst,
            date=c.date,
            amount=c.amount,
            currency=c.currency if c.amount is not None else "",
            client=c.client[:200],
            province=places["province"],
            city=places["city"],
            summary=c.description,
            status=Status.DRAFT,
        )
        case._change_reason = IMPORT_REASON
        case.save()
        case.sources.create(document=self.document, part=part, locator=c.locator, excerpt=excerpt)
        parsed["new_product"] = new_product
        self._item(
            kind="case",
            action=ImportItem.Action.CREATE,
            locator=c.locator,
            line=c.line,
            parsed=parsed,
            excerpt=excerpt,
            record=case,
        )

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
        prev = self._previous("policy", p.locator)
        record = self._matched(PolicySource, "policy", p.locator)
        if record is None and prev is not None and prev.decision == ImportItem.Decision.ACCEPTED:
            record = prev.record
        if record is not None and record.status != Status.DRAFT:
            self._merge("policy", p.locator, parsed, imported, POLICY_FIELDS, record, prev, excerpt, p.line)
            return
        if prev is not None and _same(prev.parsed, parsed):
            return
        if record is not None and prev is not None and prev.decision == ImportItem.Decision.PENDING:
            _discard_draft(prev)
            prev.decision = ImportItem.Decision.REJECTED
            prev.save(update_fields=["decision"])
        if p.level not in Policy.Level.values:
            raise _RowError(f"level {p.level!r} is not one of {', '.join(Policy.Level.values)}")
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
        self._item(
            kind="policy",
            action=ImportItem.Action.CREATE,
            locator=p.locator,
            line=p.line,
            parsed=parsed,
            excerpt=excerpt,
            record=policy,
        )


def _same(before: dict[str, Any], now: dict[str, Any]) -> bool:
    """The same row content (what the importer noted about its own work aside)."""
    return {k: v for k, v in before.items() if k != "new_product"} == now


class _RowError(Exception):
    """One row cannot be imported; it is counted as failed and logged, the rest go on."""


def _key(document: Document, kind: str, locator: str) -> str:
    digest = hashlib.sha1(locator.encode()).hexdigest()[:12]
    return f"imp-{document.pk}-{kind}-{digest}"


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
        and item.parsed.get("new_product")
        and product.status == Status.DRAFT
        and not product.cases.exists()
    ):
        product.delete()


@transaction.atomic
def import_item_accept(*, item: ImportItem, user: Any = None) -> ImportItem:
    """Publish a draft (creating its branch under the head office if the catalogue lacked it), or
    apply the reviewed changes to the matched record, except fields a curator changed since."""
    if item.decision == ImportItem.Decision.ACCEPTED:
        return item
    record = item.record
    if record is None:
        raise ReportImportError(f"{item.locator}: its record no longer exists")
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
        for f, (_cur, new) in item.diff.items():
            if f in conflicts or f == "product":
                # A curator changed it since (theirs stands); a product is renamed by hand, not here.
                continue  # changed by a curator since the import: theirs stands
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


def _check_record_places(record: models.Model, item: ImportItem) -> None:
    """The shared place rule on a draft about to be published (a curator may have edited it)."""
    try:
        check_places(record.province, record.city, record.district)
    except ValidationError as exc:
        raise ReportImportError(f"{item.locator}: {' '.join(exc.messages)}") from None


def _accept_case(case: Case, item: ImportItem, reason: str) -> None:
    branch = item.parsed.get("branch")
    if branch:
        inst = Institution.objects.filter(name=branch).first()
        if inst is None:
            inst = Institution.objects.create(name=branch, kind=Institution.Kind.BRANCH)
            institution_set_parent(institution=inst, parent=case.institution)
        case.institution = inst
        if item.parsed.get("new_product") and case.product.institution_id != inst.pk:
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


def import_items_accept(*, items: Iterable[ImportItem], user: Any = None) -> int:
    done = 0
    for item in items:
        if item.decision == ImportItem.Decision.PENDING:
            import_item_accept(item=item, user=user)
            done += 1
    return done


def import_items_reject(*, items: Iterable[ImportItem], user: Any = None) -> int:
    done = 0
    for item in items:
        if item.decision == ImportItem.Decision.PENDING:
            import_item_reject(item=item, user=user)
            done += 1
    return done
