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
