"""Background jobs run inline without a broker, and on a real Celery worker when one is configured."""

import os

import pytest
from django.conf import settings

from catalogue.celery import app
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
