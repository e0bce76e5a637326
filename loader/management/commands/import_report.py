import json
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from loader.models import ReportImport
from loader.services import ReportImportError, max_upload_bytes, report_import_create, report_import_preview


class Command(BaseCommand):
    help = (
        "Import an issue of the monthly report (its extracted text, UTF-8, or the PDF) as drafts to "
        "review in the admin. --dry-run prints what would be imported and writes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="parse and resolve only; write nothing")
        parser.add_argument("--format", choices=["json", "text"], default="text")

    def handle(self, *args, file: Path, dry_run: bool, format: str, **options) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        if file.stat().st_size > max_upload_bytes():
            raise CommandError(
                f"{file}: the file is {file.stat().st_size / 1048576:.1f} MB, over the upload limit of "
                f"{max_upload_bytes() / 1048576:.0f} MB"
            )
        if dry_run:
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
            return
        from loader.tasks import import_report_task

        with file.open("rb") as fh:
            try:
                imp = report_import_create(file=File(fh, name=file.name), user=None)
            except ReportImportError as exc:
                raise CommandError(f"{file.name}: {exc}") from exc
        import_report_task.delay(imp.pk).get(timeout=600)
        imp.refresh_from_db()
        if imp.status == ReportImport.Status.FAILED:
            raise CommandError(
                f"{file.name}: nothing was imported: {imp.log.strip().removeprefix('error: ')}"
            )
        if format == "json":
            self.stdout.write(json.dumps({"import": imp.pk, "counts": imp.counts}, ensure_ascii=False))
        else:
            self.stdout.write(self.style.SUCCESS(f"import #{imp.pk} done: {imp.counts}"))
            if imp.log:
                self.stdout.write(imp.log)
