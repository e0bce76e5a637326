"""Background jobs. Each takes plain arguments, calls domain code, and is safe to run twice."""

import datetime as dt
import logging
from contextlib import contextmanager
from pathlib import Path

from celery import current_app, shared_task
from django.conf import settings

from loader.fixtures import load_catalogue

logger = logging.getLogger(__name__)


@shared_task(name="catalogue.load_catalogue")
def load_catalogue_task(fixtures_dir: str | None = None) -> dict[str, dict[str, int]]:
    """Load or refresh the curated catalogue (idempotent); returns what was created and updated."""
    report = load_catalogue(Path(fixtures_dir) if fixtures_dir else settings.FIXTURES_DIR)
    return {"created": dict(report.created), "updated": dict(report.updated)}


@shared_task(name="loader.import_report", bind=True, max_retries=10)
def import_report_task(self, import_id: int) -> dict[str, object]:
    """Run one waiting report import (one transaction); returns its status, counts and log. A
    redelivery (acks_late after a worker died) is safe: an import is taken to run only once. One
    found running under another run's lease is tried again when the lease may have lapsed: if that
    run's worker was killed, this delivery takes the import over and finishes it."""
    from loader.models import ReportImport
    from loader.services import lease_seconds, report_import_run

    imp = report_import_run(import_id=import_id)
    if imp.status == ReportImport.Status.RUNNING and not self.request.is_eager:
        raise self.retry(countdown=lease_seconds() + 1)
    return {"id": imp.pk, "status": imp.status, "counts": imp.counts, "log": imp.log}


@shared_task(name="loader.check_imports")
def check_imports_task() -> dict[str, int]:
    """Beat, every few minutes: running imports whose worker died are marked failed with the
    reason; imports still waiting (their task never reached the broker, which was down at upload)
    are sent again, now that a worker is here to run this."""
    from loader.services import report_imports_fail_stale, report_imports_waiting

    failed = report_imports_fail_stale()
    waiting = report_imports_waiting(older_than=dt.timedelta(minutes=settings.REPORT_IMPORT_RESEND_MINUTES))
    for import_id in waiting:
        import_report_task.delay(import_id)
    return {"failed": failed, "sent again": len(waiting)}


# What became of an import handed to the workers (`enqueue_import`).
RAN = "ran"  # no broker configured: it ran inline, here
QUEUED = "queued"  # the broker has it; a worker runs it
BROKER_DOWN = "broker-down"  # the broker did not take it: it waits, and loader.check_imports sends it again


def enqueue_import(import_id: int) -> str:
    """Hand a stored import to the workers, never raising for a broker that is down: the import
    then stays waiting (nothing of it written) and is sent again by loader.check_imports once the
    broker and a worker are back. Call it after the upload's transaction commits (on_commit), so a
    worker never looks for an import it cannot see yet."""
    app = current_app  # config.celery_app (the default app in every thread)
    if app.conf.task_always_eager:
        import_report_task.delay(import_id)
        return RAN
    try:
        # One quick connection attempt and no publish retries: a curator waits on this (kombu's
        # defaults retry for ~6 s against a refused port); loader.check_imports retries instead.
        with _connection(app) as conn:
            import_report_task.apply_async((import_id,), retry=False, connection=conn)
    except Exception:  # kombu OperationalError, redis ConnectionError, socket errors: all "down"
        logger.warning(
            "report import %s: the broker did not take its task; it waits", import_id, exc_info=True
        )
        return BROKER_DOWN
    return QUEUED


def workers_answering(timeout: float | None = None) -> int | None:
    """How many workers answer a ping within `timeout` seconds; None when the broker itself does
    not answer (or none is configured)."""
    app = current_app  # config.celery_app (the default app in every thread)
    if app.conf.task_always_eager:
        return None
    try:
        with _connection(app) as conn:
            replies = app.control.ping(
                timeout=timeout or settings.REPORT_IMPORT_PING_SECONDS, connection=conn
            )
    except Exception:
        return None
    return len(replies or [])


@contextmanager
def _connection(app):
    """A broker connection made with one short attempt, or the broker's error at once."""
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
        yield conn
