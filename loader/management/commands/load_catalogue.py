from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from loader.fixtures import CatalogueDataError, fixtures_changed, load_catalogue


class Command(BaseCommand):
    help = (
        "Load (or refresh) the curated catalogue from fixtures/. Safe to run any number of times; "
        "a field a curator changed in the admin is kept and reported, never overwritten."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--fixtures", type=Path, default=settings.FIXTURES_DIR, help="folder with the curated files"
        )
        parser.add_argument(
            "--background", action="store_true", help="run on a Celery worker (needs CELERY_BROKER_URL)"
        )
        parser.add_argument(
            "--if-changed",
            action="store_true",
            help="do nothing when fixtures/ is byte for byte what the last load read (make run uses this)",
        )

    def handle(self, *args, fixtures: Path, background: bool = False, if_changed: bool = False, **options):
        if if_changed and not fixtures_changed(fixtures):
            self.stdout.write("fixtures/ unchanged since the last load: nothing to do")
            return
        if background:
            from loader.tasks import load_catalogue_task

            result = load_catalogue_task.delay(str(fixtures.resolve())).get(timeout=600)
            self.stdout.write(self.style.SUCCESS(f"catalogue loaded by a worker ({result})"))
            return
        try:
            report = load_catalogue(fixtures)
        except CatalogueDataError as exc:
            raise CommandError(f"nothing was loaded: {exc}") from exc
        for conflict in report.conflicts:
            self.stdout.write(self.style.WARNING(f"kept a curator's change: {conflict}"))
        self.stdout.write(self.style.SUCCESS(f"catalogue loaded ({report})"))
