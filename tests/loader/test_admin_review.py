"""The upload and the review queue driven as a curator drives them: through the admin's pages."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from catalogue.models import Status
from loader.models import ImportItem, ReportImport
from products.models import Case

from .conftest import REPORT_003
from .test_import import empty_catalogue, media  # noqa: F401  (fixtures, used by name below)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_catalogue", "media")]


@pytest.fixture
def curator(client):
    client.force_login(User.objects.create_superuser("curator", "c@example.com", "pw"))
    return client


def _upload(client, data: bytes, capture):
    # The import is handed to the workers after the admin's transaction commits (on_commit); the
    # test's transaction never commits, so its callbacks are run here, as a commit would.
    with capture(execute=True):
        return client.post(
            "/admin/loader/reportimport/add/",
            {"upload": SimpleUploadedFile(REPORT_003, data, content_type="text/plain")},
            follow=True,
        )


def _counts() -> tuple[int, int, int]:
    return ImportItem.objects.count(), Case.objects.count(), ReportImport.objects.count()


def test_upload_review_accept_reject_and_reupload_in_the_admin(
    curator, seeds_dir, django_capture_on_commit_callbacks
):
    data = (seeds_dir / REPORT_003).read_bytes()
    page = _upload(curator, data, django_capture_on_commit_callbacks)
    assert page.status_code == 200
    imp = ReportImport.objects.get()
    # The import ran inline (no broker in tests) and its page shows progress and the log.
    assert imp.status == ReportImport.Status.DONE, imp.log
    detail = curator.get(f"/admin/loader/reportimport/{imp.pk}/change/").content.decode()
    assert f"{imp.rows_done + imp.rows_failed} / {imp.rows_total}" in detail
    # The page says where the import stands (imported, with the counts), and only that.
    assert re.search(r"imported: |已导入：", detail)
    assert 'class="success"' in detail and 'class="error"' not in detail

    queue = curator.get("/admin/loader/importitem/", {"decision__exact": "pending", "kind": "case"})
    html = queue.content.decode()
    assert queue.status_code == 200
    pending = list(
        ImportItem.objects.filter(report_import=imp, kind="case", decision="pending")
        .exclude(record_id=None)
        .order_by("pk")
    )
    assert len(pending) >= 3
    # Each draft beside its verbatim excerpt.
    for item in pending[:3]:
        assert item.excerpt[:20] in html and item.locator in html
    first, second, third = pending[:3]

    accepted = curator.post(
        "/admin/loader/importitem/",
        {"action": "accept", "_selected_action": [first.pk, second.pk], "decision__exact": "pending"},
        follow=True,
    )
    assert accepted.status_code == 200
    assert re.search(r"2 accepted|已接受 2 条", accepted.content.decode())
    rejected = curator.post(
        "/admin/loader/importitem/", {"action": "reject", "_selected_action": [third.pk]}, follow=True
    )
    assert re.search(r"1 rejected|已拒绝 1 条", rejected.content.decode())
    for item in (first, second):
        item.refresh_from_db()
        assert item.decision == ImportItem.Decision.ACCEPTED
        assert Case.objects.get(pk=item.record_id).status == Status.PUBLISHED
    third.refresh_from_db()
    assert third.decision == ImportItem.Decision.REJECTED
    assert not Case.objects.filter(pk=third.record_id).exists()  # its draft is gone

    before = _counts()
    again = _upload(curator, data, django_capture_on_commit_callbacks)
    assert again.status_code == 200
    items, cases, imports = _counts()
    # A second import record (the upload itself) but no new rows to review and no new records.
    assert (items, cases) == before[:2] and imports == before[2] + 1
    third.refresh_from_db()
    assert third.decision == ImportItem.Decision.REJECTED
    assert not ImportItem.objects.filter(locator=third.locator, decision="pending").exists()


def test_a_bad_upload_is_refused_on_the_form(curator, django_capture_on_commit_callbacks):
    page = _upload(curator, "中小企业".encode("gbk") * 50, django_capture_on_commit_callbacks)
    assert page.status_code == 200
    assert not ReportImport.objects.exists()
    assert 'class="errorlist' in page.content.decode()
