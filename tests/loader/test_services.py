"""loader.services through its functions: branches under their canonical names with the written form
as alias, accepting what was written differently, rows of unknown institutions, a curator's
correction, needs attention, a run taken once, and imports whose worker died; the import record
(size, checksum, preview), its progress, lease and staleness; rejection and bulk decisions."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from catalogue.models import Status
from institutions.models import Institution, Region
from loader import services
from loader.models import ImportItem, ReportImport
from loader.report.records import Report
from loader.resolve import Resolver
from loader.services import (
    CORRECTION_REASON,
    ReportImportError,
    import_item_accept,
    import_item_correct,
    import_item_reject,
    import_items_accept,
    import_items_reject,
    report_import_create,
    report_import_run,
    report_imports_fail_stale,
)
from policies.models import Policy
from products.models import Case

from .conftest import REPORT_003
from .test_import import _import, empty_catalogue, media  # noqa: F401  (fixtures, used by name below)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_catalogue", "media")]


@pytest.fixture
def report_bytes(seeds_dir) -> bytes:
    return (seeds_dir / REPORT_003).read_bytes()


SHORT, FULL = "交行张家界分行", "交通银行张家界分行"


def _branch_item(imp: ReportImport) -> ImportItem:
    return ImportItem.objects.get(report_import=imp, kind="case", parsed__as_written=SHORT)


def _edition(monkeypatch, locator: str, institution: str) -> None:
    """The next import reads a corrected edition whose row `locator` writes `institution` (the cell
    is broken across lines in the text, so the edition is made on the parsed row)."""
    real = services.read_report

    def corrected(data):
        text, report = real(data)
        for case in report.cases:
            if case.locator == locator:
                case.institution = institution
        return text, report

    monkeypatch.setattr(services, "read_report", corrected)


def test_a_new_branch_gets_its_full_name_and_keeps_the_written_one_as_alias(report_bytes, monkeypatch):
    imp = _import(report_bytes)
    item = _branch_item(imp)
    assert item.parsed["institution"] == item.parsed["branch"] == FULL
    assert "new-institution" in item.flags and item.flagged
    assert not Institution.objects.filter(name=FULL).exists()  # institutions only hold accepted names
    import_item_accept(item=item)
    branch = Institution.objects.get(name=FULL)
    assert branch.kind == Institution.Kind.BRANCH
    assert branch.parent.name == branch.head_office.name == "交通银行"
    assert list(branch.aliases.values_list("name", flat=True)) == [SHORT]
    assert Case.objects.get(pk=item.record_id).institution == branch
    resolver = Resolver()
    for written in (SHORT, FULL):
        assert resolver.institution_as_written(written) == (branch, True)

    # A corrected edition writing the branch in full finds the same branch: nothing to review.
    _edition(monkeypatch, item.locator, FULL)
    again = _import(report_bytes + b"\n", name="003-full-names.txt")
    assert again.status == ReportImport.Status.DONE, again.log
    assert not again.items.filter(locator=item.locator).exists()
    assert Institution.objects.filter(name__endswith="张家界分行").count() == 1


def test_accepting_an_update_written_differently_resolves_it_and_never_fails(report_bytes, monkeypatch):
    """Issue 18: a corrected edition writing a branch in full answered HTTP 500 (IntegrityError:
    products_case.institution_id NOT NULL) when the branch was stored under its short name."""
    imp = _import(report_bytes)
    item = _branch_item(imp)
    import_item_accept(item=item)
    # As the importer stored new branches before: under the short name, with no alias.
    legacy = Institution.objects.get(name=FULL)
    legacy.aliases.all().delete()
    legacy.name = SHORT
    legacy.save()

    _edition(monkeypatch, item.locator, FULL)
    again = _import(report_bytes + b"\n", name="003-v2.txt")
    (change,) = again.items.filter(locator=item.locator)
    assert change.action == ImportItem.Action.UPDATE
    assert change.diff["institution"] == [SHORT, FULL]
    import_item_accept(item=change)
    case = Case.objects.get(pk=item.record_id)
    assert case.institution.name == FULL and case.institution.head_office.name == "交通银行"
    assert case.status == Status.PUBLISHED


def test_an_update_naming_an_unknown_institution_is_refused_with_the_reason(report_bytes, monkeypatch):
    imp = _import(report_bytes)
    item = _branch_item(imp)
    import_item_accept(item=item)
    _edition(monkeypatch, item.locator, "某某不存在的合作社")
    again = _import(report_bytes + b"\n", name="003-v3.txt")
    (change,) = again.items.filter(locator=item.locator)
    with pytest.raises(ReportImportError, match="某某不存在的合作社"):
        import_item_accept(item=change)
    change.refresh_from_db()
    assert change.decision == ImportItem.Decision.PENDING
    assert Case.objects.get(pk=item.record_id).institution.name == FULL


def test_a_row_of_an_unknown_bank_is_kept_flagged_then_corrected_and_accepted(report_bytes):
    user = get_user_model().objects.create_user("curator", is_staff=True)
    imp = _import(report_bytes)
    item = ImportItem.objects.filter(report_import=imp, kind="case", record_id=None).first()
    assert "unknown-institution" in item.flags
    assert item.parsed["head_office"] is None and item.parsed["institution"]

    with pytest.raises(ValidationError) as refused:
        import_item_correct(item=item, values={**_case_values(item), "institution": "无此银行"}, user=user)
    assert "institution" in refused.value.message_dict
    hunan, changsha = Region.objects.get(code="430000"), Region.objects.get(code="330100")
    with pytest.raises(ValidationError) as places:
        import_item_correct(
            item=item, values={**_case_values(item), "province": hunan, "city": changsha}, user=user
        )
    assert "city" in places.value.message_dict

    values = {**_case_values(item), "institution": "兴业银行测试分行", "amount": Decimal("120000000")}
    import_item_correct(item=item, values=values, user=user)
    item.refresh_from_db()
    case = item.record
    assert case is not None and case.status == Status.DRAFT and case.amount == Decimal("120000000.00")
    assert item.parsed["head_office"] is None  # what was parsed stays as parsed
    assert item.corrections["institution"] == "兴业银行测试分行" and item.values["head_office"] == "兴业银行"
    assert "unknown-institution" not in item.flags and "new-institution" in item.flags
    latest = case.history.latest()
    assert latest.history_user == user and latest.history_change_reason == CORRECTION_REASON

    import_item_accept(item=item, user=user)
    case.refresh_from_db()
    assert case.status == Status.PUBLISHED and case.institution.name == "兴业银行测试分行"
    assert case.institution.head_office.name == "兴业银行"


def test_a_correction_is_the_curators_and_is_checked_again(report_bytes):
    user = get_user_model().objects.create_user("curator", is_staff=True)
    imp = _import(report_bytes)
    item = ImportItem.objects.filter(report_import=imp, kind="case").exclude(record_id=None).first()
    values = {**_case_values(item), "product": "数据资产质押贷款", "client": "给辖内居民"}
    import_item_correct(item=item, values=values, user=user)
    item.refresh_from_db()
    case = Case.objects.get(pk=item.record_id)
    assert case.product.name == "数据资产质押贷款" and case.client == "给辖内居民"
    assert {"category-name", "client"} <= set(item.flags)
    # The importer treats the corrected fields as a curator's: a re-import does not overwrite them.
    assert {"client"} <= services.curator_changed_fields(case)


def _case_values(item: ImportItem) -> dict:
    v = item.values
    return {
        "institution": v["institution"],
        "product": v["product"],
        "date": dt.date.fromisoformat(v["date"]) if v.get("date") else None,
        "amount": Decimal(v["amount"]) if v.get("amount") else None,
        "currency": v.get("currency") or ("CNY" if v.get("amount") else ""),
        "client": v.get("client") or "",
        "province": Region.objects.filter(name=v.get("province"), level="province").first(),
        "city": Region.objects.filter(name=v.get("city"), level="city").first(),
    }


@pytest.mark.parametrize(("unplaced", "status"), [(31, "attention"), (30, "done")])
def test_unplaced_table_lines_over_three_percent_need_attention(report_bytes, monkeypatch, unplaced, status):
    real = services.read_report

    def read_with_tables(data):
        text, report = real(data)
        report.table_lines, report.unplaced_table_lines = 1000, unplaced
        return text, report

    monkeypatch.setattr(services, "read_report", read_with_tables)
    imp = _import(report_bytes)
    assert imp.status == status
    assert imp.counts["table lines"] == 1000 and imp.counts["unplaced table lines"] == unplaced
    if status == "attention":
        (reason,) = imp.reasons
        assert "31 of the 1000 lines" in reason["en"] and "3%" in reason["en"]
        assert "31" in reason["zh-hans"] and "需要" not in reason["en"] and reason["zh-hans"] != reason["en"]
    else:
        assert imp.reasons == []


def test_a_run_is_taken_once_so_a_redelivery_changes_nothing(report_bytes):
    imp = report_import_create(file=ContentFile(report_bytes, name="003.txt"))
    first = report_import_run(import_id=imp.pk)
    assert first.status == ReportImport.Status.DONE
    items, started = ImportItem.objects.count(), first.started
    again = report_import_run(import_id=imp.pk)  # the broker delivers the task a second time
    assert again.status == ReportImport.Status.DONE and again.started == started
    assert ImportItem.objects.count() == items

    # Still running elsewhere (fresh): left alone. Its worker died long ago: taken and run.
    other = report_import_create(file=ContentFile(report_bytes, name="003-b.txt"))
    ReportImport.objects.filter(pk=other.pk).update(status="running", started=timezone.now())
    assert report_import_run(import_id=other.pk).status == ReportImport.Status.RUNNING
    ReportImport.objects.filter(pk=other.pk).update(started=timezone.now() - dt.timedelta(hours=2))
    assert report_import_run(import_id=other.pk).status == ReportImport.Status.DONE


def test_a_running_import_under_a_live_lease_is_left_and_taken_over_once_the_lease_lapses(report_bytes):
    """A worker killed mid-import stops renewing its lease: the task the broker hands back takes the
    import over a minute later and finishes it, instead of leaving it running for 30 minutes."""
    imp = report_import_create(file=ContentFile(report_bytes, name="killed.txt"))
    started = timezone.now() - dt.timedelta(seconds=services.lease_seconds() + 5)
    ReportImport.objects.filter(pk=imp.pk).update(status="running", started=started)
    services._hold_lease(imp.pk)  # the first run's worker is still alive and renewing
    assert report_import_run(import_id=imp.pk).status == ReportImport.Status.RUNNING
    assert not ImportItem.objects.filter(report_import=imp).exists()
    cache.delete(services._lease_key(imp.pk))  # its worker was killed: nobody renews the lease
    done = report_import_run(import_id=imp.pk)
    assert done.status == ReportImport.Status.DONE and done.started > started
    assert ImportItem.objects.filter(report_import=imp).count() > 100
    assert cache.get(services._lease_key(imp.pk)) is None  # released when the run ends


def test_a_running_import_whose_worker_died_is_failed_with_the_reason(report_bytes, settings):
    settings.REPORT_IMPORT_STALE_MINUTES = 30
    dead = report_import_create(file=ContentFile(report_bytes, name="dead.txt"))
    alive = report_import_create(file=ContentFile(report_bytes, name="alive.txt"))
    now = timezone.now()
    ReportImport.objects.filter(pk=dead.pk).update(status="running", started=now - dt.timedelta(minutes=31))
    ReportImport.objects.filter(pk=alive.pk).update(status="running", started=now - dt.timedelta(minutes=5))
    assert report_imports_fail_stale() == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == ReportImport.Status.FAILED and alive.status == ReportImport.Status.RUNNING
    assert "no progress for 30 minutes" in dead.reasons[0]["en"] and "30" in dead.reasons[0]["zh-hans"]
    assert dead.finished is not None


# --- the import record: size, checksum, preview -------------------------------------------------


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Case, Policy, Institution, ImportItem, ReportImport))


def test_max_upload_bytes_follows_the_setting(settings):
    settings.REPORT_IMPORT_MAX_BYTES = 1234
    assert services.max_upload_bytes() == 1234


def test_report_import_create_stores_a_waiting_import_with_its_checksum():
    data = "第一章 测试".encode()
    imp = report_import_create(file=ContentFile(data, name="uploads/issue.txt"))
    stored = ReportImport.objects.get(pk=imp.pk)
    assert stored.status == ReportImport.Status.PENDING and stored.file_name == "issue.txt"
    assert stored.checksum == hashlib.sha256(data).hexdigest()
    with stored.file.open("rb") as f:
        assert f.read() == data


def test_report_import_create_refuses_a_file_over_the_limit_and_stores_nothing(settings):
    settings.REPORT_IMPORT_MAX_BYTES = 10
    before = _counts()
    with pytest.raises(ReportImportError, match="over the upload limit"):
        report_import_create(file=ContentFile(b"x" * 11, name="big.txt"))
    assert _counts() == before


def test_report_import_preview_reads_the_issue_and_writes_nothing(report_bytes):
    before = _counts()
    preview = services.report_import_preview(report_bytes)
    assert _counts() == before
    assert (preview["document"]["year"], preview["document"]["month"]) == (2024, 5)
    assert len(preview["cases"]) >= 60 and len(preview["policies"]) >= 60
    assert any(c["head_office"] == "交通银行" for c in preview["cases"])


def test_report_import_preview_of_a_file_that_is_no_report_names_the_problem():
    with pytest.raises(ReportImportError):
        services.report_import_preview("这不是月报。".encode())


def test_preview_resolver_gives_head_offices_and_full_place_names():
    resolve = services.preview_resolver(Resolver())
    assert resolve("交通银行湖南省分行", "湖南", "长沙") == {
        "head_office": "交通银行",
        "province": "湖南省",
        "city": "长沙市",
    }
    assert resolve.head_office("无此银行") is None


# --- progress, lease and staleness of a running import ------------------------------------------


def _import_record(
    status: str = "pending", started_ago: dt.timedelta | None = None, **fields
) -> ReportImport:
    imp = report_import_create(file=ContentFile(b"x", name="r.txt"))
    started = timezone.now() - started_ago if started_ago is not None else None
    ReportImport.objects.filter(pk=imp.pk).update(status=status, started=started, **fields)
    imp.refresh_from_db()
    return imp


def test_stale_after_and_lease_seconds_follow_their_settings(settings):
    settings.REPORT_IMPORT_STALE_MINUTES, settings.REPORT_IMPORT_LEASE_SECONDS = 7, 9
    assert services.stale_after() == dt.timedelta(minutes=7) and services.lease_seconds() == 9


def test_report_import_orphaned_once_a_running_import_outlives_its_lease(settings):
    settings.REPORT_IMPORT_LEASE_SECONDS = 60
    young = _import_record("running", dt.timedelta(seconds=10))
    old = _import_record("running", dt.timedelta(seconds=120))
    assert not services.report_import_orphaned(young) and services.report_import_orphaned(old)
    assert not services.report_import_orphaned(old, now=old.started + dt.timedelta(seconds=30))
    assert not services.report_import_orphaned(_import_record("done", dt.timedelta(hours=1)))
    assert not services.report_import_orphaned(_import_record("pending"))


def test_report_import_progress_of_a_finished_import_is_what_it_stored():
    imp = _import_record("done", dt.timedelta(minutes=3), rows_done=5, rows_failed=1, rows_total=6)
    assert services.report_import_progress(imp) == {
        "done": 5,
        "failed": 1,
        "total": 6,
        "at": imp.started.timestamp(),
    }


def test_report_import_is_stale_after_the_set_minutes_without_progress(settings):
    settings.REPORT_IMPORT_STALE_MINUTES = 30
    fresh = _import_record("running", dt.timedelta(minutes=5))
    old = _import_record("running", dt.timedelta(minutes=31))
    assert not services.report_import_is_stale(fresh) and services.report_import_is_stale(old)
    assert not services.report_import_is_stale(old, now=old.started + dt.timedelta(minutes=29))
    assert not services.report_import_is_stale(_import_record("done", dt.timedelta(hours=5)))


def test_report_import_note_waiting_writes_only_on_a_waiting_import():
    waiting, running = _import_record("pending"), _import_record("running", dt.timedelta(minutes=1))
    for imp in (waiting, running):
        services.report_import_note_waiting(imp=imp)
    waiting.refresh_from_db()
    running.refresh_from_db()
    (entry,) = waiting.entries
    assert "did not answer" in entry["en"] and entry["zh-hans"] != entry["en"] and entry["en"] in waiting.log
    assert running.entries == [] and running.log == ""


def test_report_imports_waiting_lists_only_imports_waiting_longer_than_asked():
    old = _import_record("pending")
    ReportImport.objects.filter(pk=old.pk).update(created=timezone.now() - dt.timedelta(minutes=10))
    new = _import_record("pending")
    running = _import_record("running", dt.timedelta(minutes=10))
    ReportImport.objects.filter(pk=running.pk).update(created=timezone.now() - dt.timedelta(minutes=10))
    waiting = services.report_imports_waiting(older_than=dt.timedelta(minutes=5))
    assert old.pk in waiting and new.pk not in waiting and running.pk not in waiting


# --- needs attention ----------------------------------------------------------------------------


def test_unplaced_share_limit_follows_the_setting(settings):
    settings.REPORT_IMPORT_UNPLACED_SHARE = 0.1
    assert services.unplaced_share_limit() == 0.1


def test_attention_reasons_for_no_cases_and_too_many_unplaced_lines(settings):
    settings.REPORT_IMPORT_UNPLACED_SHARE = 0.1
    empty = Report(title="测试", year=2024, month=5, publisher="测试")
    (reason,) = services.attention_reasons(empty)
    assert "no case rows" in reason["en"] and reason["zh-hans"] != reason["en"]
    whole = Report(title="测试", year=2024, month=5, publisher="测试", cases=[object()], table_lines=100)
    whole.unplaced_table_lines = 10
    assert services.attention_reasons(whole) == []
    whole.unplaced_table_lines = 11
    (reason,) = services.attention_reasons(whole)
    assert "11 of the 100 lines" in reason["en"] and "10%" in reason["en"]


# --- rejecting, bulk decisions, checking a correction -------------------------------------------


@pytest.fixture
def imported(report_bytes) -> ReportImport:
    return _import(report_bytes)


def _drafts(imp: ReportImport, kind: str):
    return ImportItem.objects.filter(report_import=imp, kind=kind, action="create").exclude(record_id=None)


def test_import_item_reject_deletes_the_draft_and_records_who(imported):
    user = get_user_model().objects.create_user("curator", is_staff=True)
    item = _drafts(imported, "case").first()
    draft = item.record_id
    import_item_reject(item=item, user=user)
    item.refresh_from_db()
    assert item.decision == ImportItem.Decision.REJECTED and item.decided_by == user and item.decided
    assert not Case.objects.filter(pk=draft).exists()


def test_import_items_accept_and_reject_decide_only_what_is_pending(imported):
    pks = list(_drafts(imported, "policy").order_by("pk").values_list("pk", flat=True)[:4])
    records = dict(ImportItem.objects.filter(pk__in=pks).values_list("pk", "record_id"))
    import_item_reject(item=ImportItem.objects.get(pk=pks[0]))
    assert import_items_accept(items=ImportItem.objects.filter(pk__in=pks[:2]).order_by("pk")) == 1
    assert import_items_reject(items=ImportItem.objects.filter(pk__in=pks).order_by("pk")) == 2
    decisions = [ImportItem.objects.get(pk=pk).decision for pk in pks]
    assert decisions == ["rejected", "accepted", "rejected", "rejected"]
    assert Policy.objects.get(pk=records[pks[1]]).status == Status.PUBLISHED
    assert not Policy.objects.filter(pk__in=[records[pk] for pk in (pks[0], pks[2], pks[3])]).exists()


def test_import_item_check_correction_names_each_field_and_writes_nothing(imported):
    item = _drafts(imported, "case").first()
    case_before = Case.objects.filter(pk=item.record_id).values().get()
    wrong = {
        **_case_values(item),
        "institution": "无此银行",
        "province": Region.objects.get(code="430000"),
        "city": Region.objects.get(code="330100"),
        "amount": Decimal("100"),
        "currency": "",
    }
    with pytest.raises(ValidationError) as error:
        services.import_item_check_correction(item=item, values=wrong)
    assert {"institution", "city", "currency"} <= set(error.value.message_dict)
    assert Case.objects.filter(pk=item.record_id).values().get() == case_before
    services.import_item_check_correction(item=item, values=_case_values(item))  # as parsed: fine
    import_item_reject(item=item)
    with pytest.raises(ValidationError):
        services.import_item_check_correction(item=item, values=_case_values(item))
