"""Background jobs run inline without a broker, and on a real Celery worker when one is configured."""

import os

import pytest
from django.conf import settings

from config.celery_app import app
from loader.tasks import load_catalogue_task
from products.models import Product


@pytest.mark.django_db
def test_load_task_runs_inline_and_is_idempotent():
    result = load_catalogue_task.delay().get(timeout=60)
    assert sum(result["created"].values()) == 0 and sum(result["updated"].values()) == 0
    assert Product.objects.published().count() > 50


@pytest.mark.django_db
@pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (CI starts Redis)"
)
def test_load_task_on_a_real_worker():
    """A worker thread consumes from the real broker and loads into the same test database."""
    from celery.contrib.testing.worker import start_worker

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False  # the test settings make tasks eager; this test wants the broker
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            async_result = load_catalogue_task.delay(str(settings.FIXTURES_DIR))
            result = async_result.get(timeout=120)
    finally:
        app.conf.task_always_eager = eager
    # The catalogue loaded at session start is already there: the worker finds nothing to change.
    assert result["created"]["product"] == 0 and result["updated"]["product"] == 0
    assert result["created"]["region"] == 0


@pytest.mark.django_db
def test_check_imports_resends_waiting_imports_and_fails_dead_ones(seeds_dir, tmp_path, settings):
    """The beat task: an import whose task never reached the broker runs now (inline here); one
    whose worker died is failed with the reason."""
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from loader.models import ReportImport
    from loader.services import report_import_create
    from loader.tasks import check_imports_task

    settings.MEDIA_ROOT = str(tmp_path)
    data = (seeds_dir / "003_6aa2ce7c6a878419.txt").read_bytes()
    waiting = report_import_create(file=ContentFile(data, name="waiting.txt"))
    dead = report_import_create(file=ContentFile(data, name="dead.txt"))
    long_ago = timezone.now() - dt.timedelta(hours=2)
    ReportImport.objects.filter(pk=waiting.pk).update(created=long_ago)
    ReportImport.objects.filter(pk=dead.pk).update(status="running", started=long_ago)
    assert check_imports_task.delay().get() == {"failed": 1, "sent again": 1}
    waiting.refresh_from_db()
    dead.refresh_from_db()
    assert waiting.status in ("done", "attention") and dead.status == "failed"
