"""import_report_task on a real Celery worker (CI starts Redis; skipped without CELERY_BROKER_URL).

The worker is a thread with its own database connection, so it cannot see rows inside a test's
rolled-back transaction. The test's own work therefore runs in a helper thread too (its own
connection, autocommit): the import record is committed, and everything the import wrote is
removed again at the end (a transactional test would flush the session's catalogue instead)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from catalogue.models import Document
from config.celery_app import app
from loader.models import ImportItem, ReportImport
from loader.services import import_item_reject, report_import_create
from loader.tasks import import_report_task
from policies.models import Policy
from products.models import Case, Product

from .conftest import REPORT_003


def _remove_import(imp: ReportImport, started) -> None:
    for item in ImportItem.objects.filter(report_import=imp, decision="pending", action="create"):
        import_item_reject(item=item)  # deletes its draft (and a new draft product)
    created_doc = imp.document if imp.counts.get("documents created") else None
    ImportItem.objects.filter(report_import=imp).delete()
    ReportImport.objects.filter(pk=imp.pk).delete()
    if created_doc is not None:
        Document.objects.filter(pk=created_doc.pk).delete()
    for model in (Case, Product, Policy):
        model.history.filter(history_date__gte=started).delete()


@pytest.mark.django_db
@pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (CI starts Redis)"
)
def test_import_task_on_a_real_worker(seeds_dir, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    data = (seeds_dir / REPORT_003).read_bytes()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False  # the test settings make tasks eager; this test wants the broker
    try:
        with ThreadPoolExecutor(1) as pool:
            pool.submit(_import_on_a_worker, data).result(timeout=300)
    finally:
        app.conf.task_always_eager = eager


def _import_on_a_worker(data: bytes) -> None:
    from celery.contrib.testing.worker import start_worker

    started = timezone.now()
    try:
        counts_before = (Case.objects.count(), Product.objects.count(), Policy.objects.count())
        imp = report_import_create(file=ContentFile(data, name="003-on-a-worker.txt"))
        try:
            with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
                result = import_report_task.delay(imp.pk).get(timeout=180)
                items_after_first = ImportItem.objects.filter(report_import=imp).count()
                # Delivered again (acks_late after a worker died): the import is taken once only.
                again = import_report_task.delay(imp.pk).get(timeout=180)
                assert again["status"] == result["status"]
                assert ImportItem.objects.filter(report_import=imp).count() == items_after_first
            imp.refresh_from_db()
            assert result["id"] == imp.pk and result["status"] == imp.status == ReportImport.Status.DONE, (
                imp.log
            )
            assert imp.rows_total > 100 and imp.rows_done + imp.rows_failed == imp.rows_total
            print(f"\nimport on a real worker: {imp.counts}; rows failed {imp.rows_failed}")
            # What the worker committed is visible here: rows queued for review, new ones as drafts.
            items = ImportItem.objects.filter(report_import=imp)
            assert items.exists()
            for item in items.filter(action="create"):
                assert item.record is not None and item.record.status == "draft", item.locator
        finally:
            _remove_import(imp, started)
        assert (Case.objects.count(), Product.objects.count(), Policy.objects.count()) == counts_before
    finally:
        connection.close()  # this thread's connection, so the test database can be dropped
