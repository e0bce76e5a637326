from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from loader.fixtures import CatalogueDataError, catalogue_load_lock, fixtures_changed, load_catalogue

# How long --background waits for a worker to answer a ping before saying none is there.
PING_SECONDS = 1.0


class Command(BaseCommand):
    help = (
        "Load (or refresh) the curated catalogue from fixtures/. Safe to run any number of times; "
        "a field a curator changed in the admin is kept and reported, never overwritten. One load "
        "runs at a time: a second waits for the first (or, with --no-wait, exits saying so)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--fixtures", type=Path, default=settings.FIXTURES_DIR, help="folder with the curated files"
        )
        parser.add_argument(
            "--background", action="store_true", help="run on a Celery worker (needs CELERY_BROKER_URL)"
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=600,
            help="--background: seconds to wait for the worker; a load not started by then is dropped",
        )
        parser.add_argument(
            "--if-changed",
            action="store_true",
            help="do nothing when fixtures/ is byte for byte what the last load read (make run uses this)",
        )
        parser.add_argument(
            "--no-wait",
            action="store_true",
            help="when another load is running, exit at once (status 0) instead of waiting for it",
        )

    def handle(
        self,
        *args,
        fixtures: Path,
        background: bool = False,
        timeout: float = 600,
        if_changed: bool = False,
        no_wait: bool = False,
        **options,
    ):
        if background and not settings.CELERY_TASK_ALWAYS_EAGER:
            self._in_background(fixtures, timeout)
            return

        def say_waiting() -> None:
            self.stdout.write("another load_catalogue is running: waiting for it to finish")

        with catalogue_load_lock(wait=not no_wait, on_wait=say_waiting) as locked:
            if not locked:
                self.stdout.write("already loading: another load_catalogue holds the lock; nothing done")
                return
            # Asked only now: a load that finished while we waited has read these same files.
            if if_changed and not fixtures_changed(fixtures):
                self.stdout.write("fixtures/ unchanged since the last load: nothing to do")
                return
            try:
                report = load_catalogue(fixtures)
            except CatalogueDataError as exc:
                raise CommandError(f"nothing was loaded: {exc}") from exc
        for conflict in report.conflicts:
            self.stdout.write(self.style.WARNING(f"kept a curator's change: {conflict}"))
        self.stdout.write(self.style.SUCCESS(f"catalogue loaded ({report})"))

    def _in_background(self, fixtures: Path, timeout: float) -> None:
        from celery.exceptions import TimeoutError as CeleryTimeout

        from catalogue.workers import ping_workers
        from loader.tasks import load_catalogue_task

        # A queued task with no worker would wait in silence, then run long after we gave up.
        if not ping_workers(PING_SECONDS):
            raise CommandError(
                f"no Celery worker answered within {PING_SECONDS:.0f} s: "
                "start one (make worker) or load without --background"
            )
        # `expires`: a load no worker has started by the time we stop waiting is dropped, not run.
        result = load_catalogue_task.apply_async((str(fixtures.resolve()),), expires=timeout)
        try:
            summary = result.get(timeout=timeout)
        except CeleryTimeout:
            result.revoke()
            raise CommandError(
                f"the worker did not finish within {timeout:.0f} s; a load not yet started is cancelled, "
                "one already running finishes on the worker"
            ) from None
        self.stdout.write(self.style.SUCCESS(f"catalogue loaded by a worker ({summary})"))
