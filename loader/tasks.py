"""Background jobs. Each takes plain arguments, calls domain code, and is safe to run twice."""

from pathlib import Path

from celery import shared_task
from django.conf import settings

from loader.fixtures import load_catalogue


@shared_task(name="catalogue.load_catalogue")
def load_catalogue_task(fixtures_dir: str | None = None) -> dict[str, dict[str, int]]:
    """Load or refresh the curated catalogue (idempotent); returns what was created and updated."""
    report = load_catalogue(Path(fixtures_dir) if fixtures_dir else settings.FIXTURES_DIR)
    return {"created": dict(report.created), "updated": dict(report.updated)}


@shared_task(name="loader.import_report")
def import_report_task(import_id: int) -> dict[str, object]:
    """Run one waiting report import (one transaction); returns its status, counts and log."""
    from loader.models import ReportImport
    from loader.services import report_import_run

    # Tasks are acknowledged late: a worker that died after the import committed but before the
    # acknowledgement hands it back, and running a finished import again would queue its rows
    # for review a second time. Waiting or running (a worker died mid-way: rolled back) imports run.
    finished = (ReportImport.Status.DONE, ReportImport.Status.FAILED)
    imp = ReportImport.objects.filter(pk=import_id, status__in=finished).first()
    if imp is not None:
        return {"id": imp.pk, "status": imp.status, "counts": imp.counts, "log": imp.log}
    imp = report_import_run(import_id=import_id)
    return {"id": imp.pk, "status": imp.status, "counts": imp.counts, "log": imp.log}
