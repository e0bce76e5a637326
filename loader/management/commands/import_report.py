"""`import_report FILE`: import an issue of the monthly report as drafts to review.

It runs the import in this process (the service itself, nothing to wait for); `--background` hands
it to a Celery worker and returns at once, after checking that the broker and a worker answer.
Exit status: 0 done, 1 failed (nothing imported), 2 imported but needs attention (the reasons are
printed)."""

import json
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from loader.messages import count_items, shown
from loader.models import ReportImport
from loader.services import (
    ReportImportError,
    max_upload_bytes,
    report_import_create,
    report_import_preview,
    report_import_run,
)
from loader.tasks import BROKER_DOWN, QUEUED, enqueue_import, workers_answering


class Command(BaseCommand):
    help = (
        "Import an issue of the monthly report (its extracted text, UTF-8, or the PDF) as drafts to "
        "review in the admin. --dry-run prints what would be imported and writes nothing; "
        "--background leaves the import to a Celery worker."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="parse and resolve only; write nothing")
        parser.add_argument(
            "--background",
            action="store_true",
            help="hand the import to a Celery worker and return at once (needs CELERY_BROKER_URL)",
        )
        parser.add_argument("--format", choices=["json", "text"], default="text")

    def handle(self, *args, file: Path, dry_run: bool, background: bool, format: str, **options) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        if file.stat().st_size > max_upload_bytes():
            raise CommandError(
                f"{file}: the file is {file.stat().st_size / 1048576:.1f} MB, over the upload limit of "
                f"{max_upload_bytes() / 1048576:.0f} MB"
            )
        if dry_run:
            return self._preview(file, format)
        if background:
            workers = self._check_workers()
        with file.open("rb") as fh:
            try:
                imp = report_import_create(file=File(fh, name=file.name), user=None)
            except ReportImportError as exc:
                raise CommandError(f"{file.name}: {exc}") from exc
        if background:
            return self._background(imp, workers, format)
        imp = report_import_run(import_id=imp.pk)
        self._report(imp, file, format)

    def _preview(self, file: Path, format: str) -> None:
        try:
            preview = report_import_preview(file.read_bytes())
        except ReportImportError as exc:
            raise CommandError(f"{file.name}: {exc}") from exc
        if format == "json":
            self.stdout.write(json.dumps(preview, ensure_ascii=False, indent=1))
        else:
            self.stdout.write(
                f"{preview['document']['title']} {preview['document']['year']}-"
                f"{preview['document']['month']:02d}: {len(preview['cases'])} cases, "
                f"{len(preview['policies'])} policies, {len(preview['metrics'])} figures, "
                f"{len(preview['unparsed'])} lines not parsed (nothing written)"
            )

    def _check_workers(self) -> int:
        """Workers answering a ping; refuse before storing anything when there is no broker."""
        if not settings.CELERY_BROKER_URL:
            raise CommandError(
                _(
                    "--background needs a broker (CELERY_BROKER_URL) and a worker (make worker); "
                    "without --background the import runs here."
                )
            )
        workers = workers_answering()
        if workers is None:
            raise CommandError(
                _(
                    "The broker at CELERY_BROKER_URL does not answer; nothing was stored. Start it, or "
                    "import without --background to run the import here."
                )
            )
        return workers

    def _background(self, imp: ReportImport, workers: int, format: str) -> None:
        outcome = enqueue_import(imp.pk)
        if format == "json":
            self.stdout.write(json.dumps({"import": imp.pk, "queued": outcome, "workers": workers}))
        elif outcome == QUEUED:
            self.stdout.write(self.style.SUCCESS(_("Import #%(id)s queued.") % {"id": imp.pk}))
        if outcome == BROKER_DOWN:
            raise CommandError(
                _(
                    "The broker did not take import #%(id)s; it waits and is sent again once the broker is back."
                )
                % {"id": imp.pk}
            )
        if not workers:
            self.stderr.write(
                _(
                    "No worker answered a ping: import #%(id)s waits in the queue until one starts "
                    "(make worker)."
                )
                % {"id": imp.pk}
            )

    def _report(self, imp: ReportImport, file: Path, format: str) -> None:
        if imp.status == ReportImport.Status.FAILED:
            reason = "; ".join(shown(r) for r in imp.reasons) or imp.log.strip()
            raise CommandError(
                _("%(file)s: nothing was imported: %(reason)s") % {"file": file.name, "reason": reason}
            )
        if format == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "import": imp.pk,
                        "status": imp.status,
                        "counts": imp.counts,
                        "reasons": [shown(r) for r in imp.reasons],
                    },
                    ensure_ascii=False,
                )
            )
        else:
            counts = _(", ").join(f"{label} {n}" for label, n in count_items(imp.counts))
            line = _("import #%(id)s %(status)s: %(counts)s") % {
                "id": imp.pk,
                "status": imp.get_status_display(),
                "counts": counts,
            }
            ok = imp.status == ReportImport.Status.DONE
            self.stdout.write(self.style.SUCCESS(line) if ok else self.style.WARNING(line))
            for entry in imp.entries:
                self.stdout.write(shown(entry))
        if imp.status == ReportImport.Status.ATTENTION:
            raise CommandError(
                _("import #%(id)s needs attention: %(reasons)s")
                % {"id": imp.pk, "reasons": "; ".join(shown(r) for r in imp.reasons)},
                returncode=2,
            )
