"""The review queue and the import pages as a curator uses them, through the admin: readable columns,
flags and their filter, the correction form, change tables, progress, messages that say what
happened, the page's language, an upload while the broker is down, and History by name."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from config.celery_app import app
from institutions.models import Institution, Region
from loader.models import ImportItem, ReportImport
from loader.services import import_item_accept
from products.models import Case

from .conftest import REPORT_003
from .test_import import empty_catalogue, media  # noqa: F401  (fixtures, used by name below)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_catalogue", "media")]
QUEUE = "/admin/loader/importitem/"


@pytest.fixture
def curator(client):
    client.force_login(User.objects.create_superuser("curator", "c@example.com", "pw"))
    return client


@pytest.fixture
def imported(curator, seeds_dir, django_capture_on_commit_callbacks) -> ReportImport:
    with django_capture_on_commit_callbacks(execute=True):
        curator.post(
            "/admin/loader/reportimport/add/",
            {"upload": SimpleUploadedFile(REPORT_003, (seeds_dir / REPORT_003).read_bytes())},
        )
    return ReportImport.objects.get()


def test_the_queue_shows_readable_columns_and_filters_flagged(curator, imported):
    html = curator.get(QUEUE, {"kind": "case"}).content.decode()
    # Amounts with their unit in the amount column, as the documents write them (3.04亿元).
    assert re.search(r'class="field-amount_col">\d+(\.\d+)?亿元</td>', html)
    assert "27万美元" in html  # 270000 USD
    assert "湖南省 张家界市" in html  # place
    assert "交通银行张家界分行" in html  # institution by its full name
    assert '"amount"' not in html and "360000000.00" not in html  # no raw JSON
    flagged = curator.get(QUEUE, {"flagged": "yes"}).context["cl"].result_count
    total = ImportItem.objects.count()
    assert flagged == ImportItem.objects.filter(flagged=True).count() and 0 < flagged < total
    assert "目录中没有的机构" in curator.get(QUEUE, {"flagged": "yes"}).content.decode()


def test_a_draft_is_corrected_in_a_typed_form_then_accepted(curator, imported):
    item = ImportItem.objects.get(parsed__as_written="交行张家界分行")
    page = curator.get(f"{QUEUE}{item.pk}/change/").content.decode()
    for name in (
        "institution",
        "product",
        "date",
        "amount_0",
        "amount_1",
        "currency",
        "client",
        "province",
        "city",
    ):
        assert f'name="{name}"' in page
    hunan = Region.objects.get(name="湖南省", level="province")
    city = Region.objects.get(name="张家界市", level="city")
    form = {
        "institution": "交行张家界分行",
        "product": "民宿贷",
        "date": "2024-05-12",
        "amount_0": "46",
        "amount_1": "10000",
        "currency": "cny",
        "client": "张家界某民宿有限公司",
        "province": hunan.pk,
        "city": city.pk,
    }
    bad = curator.post(f"{QUEUE}{item.pk}/change/", {**form, "institution": "无此银行"})
    assert bad.status_code == 200 and "无此银行" in bad.content.decode()  # the form again, with the error
    done = curator.post(f"{QUEUE}{item.pk}/change/", form, follow=True)
    assert done.status_code == 200
    item.refresh_from_db()
    case = Case.objects.get(pk=item.record_id)
    assert case.amount == 460000 and case.currency == "CNY" and case.client == "张家界某民宿有限公司"
    assert item.corrections["amount"] == "460000.00" and item.parsed["amount"] == "450000.00"
    assert case.history.latest().history_user.username == "curator"

    accepted = curator.post(QUEUE, {"action": "accept", "_selected_action": [item.pk]}, follow=True)
    assert re.search(r"1 accepted|已接受 1 条", accepted.content.decode())
    case.refresh_from_db()
    assert case.status == "published" and case.institution.name == "交通银行张家界分行"
    assert case.institution.aliases.filter(name="交行张家界分行").exists()  # as typed in the form


def test_accepting_a_row_of_an_unknown_bank_says_why_not_500(curator, imported):
    unknown = ImportItem.objects.filter(kind="case", record_id=None).first()
    page = curator.post(QUEUE, {"action": "accept", "_selected_action": [unknown.pk]}, follow=True)
    assert page.status_code == 200
    assert unknown.values["institution"] in page.content.decode()
    unknown.refresh_from_db()
    assert unknown.decision == ImportItem.Decision.PENDING


def test_an_update_shows_its_changes_as_a_table(curator, imported):
    item = ImportItem.objects.filter(kind="case").exclude(record_id=None).exclude(parsed__client=None).first()
    import_item_accept(item=item)
    ImportItem.objects.filter(pk=item.pk).update()
    change = ImportItem.objects.create(
        report_import=imported,
        document=item.document,
        kind="case",
        action=ImportItem.Action.UPDATE,
        locator=item.locator,
        parsed=item.parsed,
        excerpt=item.excerpt,
        record_type=item.record_type,
        record_id=item.record_id,
        diff={"client": [item.parsed["client"], "新客户"], "amount": ["450000.00", "4500000.00"]},
    )
    html = curator.get(f"{QUEUE}{change.pk}/change/").content.decode()
    assert "<table><thead><tr><th>字段</th>" in html
    assert "新客户" in html and "450万" in html


def test_import_page_progress_and_messages_in_the_pages_language(curator, imported):
    url = f"/admin/loader/reportimport/{imported.pk}/"
    zh = curator.get(f"{url}change/").content.decode()
    assert "已导入：" in zh and "新案例" in zh and "'case create'" not in zh and "{" not in _counts(zh)
    en = curator.get(f"{url}change/", {"lang": "en"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "imported: " in en and "已导入" not in en
    progress = curator.get(f"{url}progress/").json()
    assert progress["final"] and progress["total"] == imported.rows_total
    assert progress["done"] == imported.rows_done + imported.rows_failed
    assert 'src="/static/loader/import_progress.js"' in zh  # a file: the CSP allows no inline script
    assert "<script>" not in zh.split("</head>")[1]


def _counts(html: str) -> str:
    return html.split("field-count_list", 1)[1][:2000] if "field-count_list" in html else ""


def test_a_dead_worker_is_found_when_the_list_is_shown(curator, imported, settings):
    ReportImport.objects.filter(pk=imported.pk).update(
        status="running",
        started=timezone.now() - dt.timedelta(minutes=settings.REPORT_IMPORT_STALE_MINUTES + 1),
    )
    html = curator.get("/admin/loader/reportimport/").content.decode()
    imported.refresh_from_db()
    assert imported.status == ReportImport.Status.FAILED
    assert "失败" in html


def test_uploading_while_the_broker_is_down_keeps_the_file_and_says_it_waits(
    curator, seeds_dir, django_capture_on_commit_callbacks, monkeypatch
):
    eager, url = app.conf.task_always_eager, app.conf.broker_url
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    app.conf.task_always_eager, app.conf.broker_url = False, "redis://127.0.0.1:1/0"
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = curator.post(
                "/admin/loader/reportimport/add/",
                {"upload": SimpleUploadedFile(REPORT_003, (seeds_dir / REPORT_003).read_bytes())},
            )
    finally:
        app.conf.task_always_eager, app.conf.broker_url = eager, url
    assert response.status_code == 302
    imp = ReportImport.objects.get()
    assert imp.status == ReportImport.Status.PENDING and not imp.items.exists()
    page = curator.get(response["Location"]).content.decode()
    assert "后台任务恢复后即会运行" in page and 'class="success"' not in page


def test_history_names_related_records(curator, imported):
    item = ImportItem.objects.filter(kind="case").exclude(record_id=None).first()
    import_item_accept(item=item)
    case = Case.objects.get(pk=item.record_id)
    other = Institution.objects.exclude(pk=case.institution_id).filter(parent=None).first()
    old = case.institution.name
    case.institution = other
    case.save()
    html = curator.get(f"/admin/products/case/{case.pk}/history/").content.decode()
    assert f"{old}" in html and other.name in html
    assert f"{case.institution_id}&nbsp;" not in html


def test_api_history_names_related_records_beside_their_ids(client, imported):
    item = ImportItem.objects.filter(kind="case").exclude(record_id=None).first()
    import_item_accept(item=item)
    case = Case.objects.get(pk=item.record_id)
    before = case.institution
    other = Institution.objects.exclude(pk=before.pk).filter(parent=None).first()
    case.institution = other
    case.save()
    (change,) = [
        c
        for c in client.get(f"/api/v1/cases/{case.pk}/history/").json()[0]["changes"]
        if c["field"] == "institution"
    ]
    assert change == {
        "field": "institution", "old": before.pk, "new": other.pk, "old_name": before.name, "new_name": other.name
    }  # fmt: skip
