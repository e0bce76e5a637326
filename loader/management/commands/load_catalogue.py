from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from loader.fixtures import CatalogueDataError, load_catalogue


class Command(BaseCommand):
    help = "Load (or refresh) the curated catalogue from fixtures/. Safe to run any number of times."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--fixtures", type=Path, default=settings.FIXTURES_DIR, help="folder with the curated files"
        )

    def handle(self, *args, fixtures: Path, background: bool = False, **options) -> None:
        if background:
            from loader.tasks import load_catalogue_task

            result = load_catalogue_task.delay(str(fixtures.resolve())).get(timeout=600)
            self.stdout.write(self.style.SUCCESS(f"catalogue loaded by a worker ({result})"))
            return
        try:
            report = load_catalogue(fixtures)
        except CatalogueDataError as exc:
            raise CommandError(f"nothing was loaded: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"catalogue loaded ({report})"))
