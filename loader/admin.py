"""Imports of the monthly report and their review queue in the admin."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from loader.models import ImportItem, ReportImport
from loader.report.source import ReportFileError, report_text
from loader.services import (
    ReportImportError,
    import_items_accept,
    import_items_reject,
    max_upload_bytes,
    report_import_create,
)


class ReportImportForm(forms.ModelForm):
    upload = forms.FileField(label=_("report file"), help_text=_("The issue's text (UTF-8) or its PDF."))

    class Meta:
        model = ReportImport
        fields: list[str] = []

    def clean_upload(self):
        """Refuse a file that cannot be imported here, with the reason, before it is stored."""
        f = self.cleaned_data["upload"]
        if f.size > max_upload_bytes():
            raise forms.ValidationError(
                _("The file is %(size).1f MB, over the upload limit of %(limit).0f MB.")
                % {"size": f.size / 1048576, "limit": max_upload_bytes() / 1048576}
            )
        try:
            report_text(f.read(), max_bytes=max_upload_bytes())
        except ReportFileError as exc:
            raise forms.ValidationError(str(exc)) from None
        f.seek(0)
        return f


@admin.register(ReportImport)
class ReportImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "status", "document", "progress", "rows_failed", "created_by", "created"]
    list_filter = ["status"]
    readonly_fields = [
        "file_name", "checksum", "status", "document", "progress", "counts", "conflict_list",
        "log", "unparsed_lines", "created_by", "created", "finished",
    ]  # fmt: skip

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ReportImportForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["upload"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None or request.method == "GET"

    def save_model(self, request, obj, form, change) -> None:
        from loader.tasks import import_report_task

        try:
            created = report_import_create(file=form.cleaned_data["upload"], user=request.user)
        except ReportImportError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        obj.pk = created.pk
        import_report_task.delay(created.pk)
        created.refresh_from_db()
        if created.status == ReportImport.Status.FAILED:
            self.message_user(request, _("Nothing was imported: %s") % created.log.strip(), messages.ERROR)

    @admin.display(description=_("progress"))
    def progress(self, obj: ReportImport) -> str:
        return f"{obj.rows_done + obj.rows_failed} / {obj.rows_total} ({obj.rows_failed} failed)"

    @admin.display(description=_("lines not parsed"))
    def unparsed_lines(self, obj: ReportImport) -> str:
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "", '<li value="{}"><code>{}</code></li>', ((u["line"], u["text"]) for u in obj.unparsed)
            ),
        )

    @admin.display(description=_("conflicts"))
    def conflict_list(self, obj: ReportImport) -> str:
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} · {}: kept {} (imported {})</li>",
                ((c["record"], c["field"], c["current"], c["imported"]) for c in obj.conflicts),
            ),
        )


@admin.register(ImportItem)
class ImportItemAdmin(admin.ModelAdmin):
    """The review queue: each draft beside its excerpt and, for a matched record, the changes."""

    list_display = ["locator", "kind", "action", "summary", "excerpt", "changes", "decision", "report_import"]
    list_filter = ["decision", "kind", "action", "report_import"]
    search_fields = ["locator", "excerpt"]
    actions = ["accept", "reject"]
    list_per_page = 50
    readonly_fields = [
        "report_import", "document", "kind", "action", "locator", "line", "excerpt", "parsed", "record_link",
        "changes", "conflicts", "decision", "decided_by", "decided",
    ]  # fmt: skip
    exclude = ["record_type", "record_id", "diff"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("draft"))
    def summary(self, obj: ImportItem) -> str:
        p = obj.parsed
        if obj.kind == "case":
            return " · ".join(str(x) for x in (p.get("institution"), p.get("product"), p.get("date")) if x)
        return p.get("heading") or ""

    @admin.display(description=_("changes"))
    def changes(self, obj: ImportItem) -> str:
        if not obj.diff:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li>{}: {} → {}</li>", ((f, old, new) for f, (old, new) in obj.diff.items())
            ),
        )

    @admin.display(description=_("record"))
    def record_link(self, obj: ImportItem) -> str:
        record = obj.record
        if record is None:
            return "—"
        meta = record._meta
        return format_html(
            '<a href="/admin/{}/{}/{}/change/">{}</a>', meta.app_label, meta.model_name, record.pk, record
        )

    @admin.action(description=_("Accept the selected drafts (publish, or apply the changes)"))
    def accept(self, request, queryset) -> None:
        try:
            n = import_items_accept(items=queryset.order_by("pk"), user=request.user)
        except ReportImportError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, _("%d accepted.") % n)

    @admin.action(description=_("Reject the selected drafts"))
    def reject(self, request, queryset) -> None:
        n = import_items_reject(items=queryset.order_by("pk"), user=request.user)
        self.message_user(request, _("%d rejected.") % n)
