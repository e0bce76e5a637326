"""Imports of the monthly report and their review queue in the admin.

An upload is stored in the admin's transaction and handed to the workers after it commits
(on_commit); the curator lands on the import's page, which says what happened (queued, running with
rows done of all rows, done with counts, needs attention with the reasons, failed with the reason)
and follows a running import through a small JSON endpoint (static/loader/import_progress.js; the
CSP allows scripts from our origin only, so no inline script). With the broker down the upload is
kept and waits: the page says it runs when the worker is back, and the beat task loader.check_imports
sends it again then."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalogue.templatetags.catalogue_tags import money
from institutions.models import Region
from loader import flags as flag
from loader.messages import count_items, shown
from loader.models import ImportItem, ReportImport
from loader.report.source import ReportFileError, check_report_file
from loader.services import (
    ReportImportError,
    import_item_check_correction,
    import_item_correct,
    import_items_accept,
    import_items_reject,
    max_upload_bytes,
    report_import_create,
    report_import_note_waiting,
    report_import_progress,
    report_imports_fail_stale,
)
from policies.models import Policy
from products.admin import AmountField

FINAL = {ReportImport.Status.DONE, ReportImport.Status.ATTENTION, ReportImport.Status.FAILED}


def bullet_list(rows: Iterable[tuple], item: str = "<li>{}</li>") -> str:
    """A read-only field's values as a bulleted list (each row fills `item`, escaped), or a dash
    when there are none: the imports' reasons, counts, log and conflicts, a draft's flags."""
    rows = list(rows)
    if not rows:
        return "—"
    return format_html("<ul>{}</ul>", format_html_join("", item, rows))


class ReportImportForm(forms.ModelForm):
    upload = forms.FileField(label=_("report file"), help_text=_("The issue's text (UTF-8) or its PDF."))

    class Meta:
        model = ReportImport
        fields: list[str] = []

    def clean_upload(self):
        """Refuse a file that cannot be imported here, with the reason, before it is stored: the
        cheap checks only (size, empty, encoding); the PDF itself is read by the import."""
        f = self.cleaned_data["upload"]
        if f.size > max_upload_bytes():
            raise forms.ValidationError(
                _("The file is %(size).1f MB, over the upload limit of %(limit).0f MB.")
                % {"size": f.size / 1048576, "limit": max_upload_bytes() / 1048576}
            )
        try:
            check_report_file(f.read(), max_bytes=max_upload_bytes())
        except ReportFileError as exc:
            raise forms.ValidationError(shown(_file_error(str(exc)))) from None
        f.seek(0)
        return f


def _file_error(message: str) -> dict[str, str]:
    from loader.messages import file_error

    return file_error(message)


def import_status_message(request: HttpRequest, imp: ReportImport) -> None:
    """One message saying where an import stands, read when its page is shown: so never a status
    from before (the upload's redirect lands here after the import was handed over, or ran), and
    never a success beside a failure."""
    if imp.status == ReportImport.Status.PENDING:
        if imp.entries:  # the queue did not take it at upload (loader.services.report_import_note_waiting)
            messages.warning(request, " ".join(shown(e) for e in imp.entries))
        else:
            messages.info(
                request,
                gettext("%(file)s is queued: a worker imports it; this page follows its progress.")
                % {"file": imp.file_name},
            )
    elif imp.status == ReportImport.Status.RUNNING:
        messages.info(
            request,
            gettext("%(file)s is being imported; this page follows its progress.") % {"file": imp.file_name},
        )
    elif imp.status == ReportImport.Status.DONE:
        messages.success(
            request,
            gettext("%(file)s imported: %(counts)s.") % {"file": imp.file_name, "counts": _counts_text(imp)},
        )
    elif imp.status == ReportImport.Status.ATTENTION:
        messages.warning(
            request,
            gettext("%(file)s imported, but it needs attention: %(reasons)s")
            % {"file": imp.file_name, "reasons": " ".join(shown(r) for r in imp.reasons)},
        )
    elif imp.status == ReportImport.Status.FAILED:
        messages.error(
            request,
            gettext("Nothing was imported from %(file)s: %(reason)s")
            % {"file": imp.file_name, "reason": " ".join(shown(r) for r in imp.reasons)},
        )


def _counts_text(imp: ReportImport) -> str:
    return gettext(", ").join(f"{label} {n}" for label, n in count_items(imp.counts))


@admin.register(ReportImport)
class ReportImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "status_text", "document", "progress", "created_by", "created"]
    list_filter = ["status"]
    readonly_fields = [
        "file_name", "checksum", "status_text", "reason_list", "document", "progress", "count_list",
        "conflict_list", "log_lines", "unparsed_lines", "created_by", "created", "started", "finished",
    ]  # fmt: skip

    class Media:
        js = ["loader/import_progress.js"]

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

    def get_urls(self):
        return [
            path(
                "<int:object_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="loader_reportimport_progress",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        # A worker that died leaves its import `running` for ever: found and marked failed here
        # too, not only by the beat task, so the list never shows a dead import as running.
        report_imports_fail_stale()
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        report_imports_fail_stale()
        imp = ReportImport.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if imp is not None and request.method == "GET":
            import_status_message(request, imp)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        try:
            created = report_import_create(file=form.cleaned_data["upload"], user=request.user)
        except ReportImportError as exc:
            self.message_user(request, shown(_file_error(str(exc))), messages.ERROR)
            return
        obj.pk = created.pk

        def hand_over() -> None:
            from loader.tasks import BROKER_DOWN, enqueue_import

            if enqueue_import(created.pk) == BROKER_DOWN:
                report_import_note_waiting(imp=created)

        # After the admin's transaction commits, so a worker finds the stored import.
        transaction.on_commit(hand_over)

    def response_add(self, request, obj, post_url_continue=None):
        """To the import's own page (its status and progress), without Django's "added" message,
        which would show the status of the moment before the import ran."""
        if obj.pk is None:
            return HttpResponseRedirect(reverse("admin:loader_reportimport_add"))
        return HttpResponseRedirect(reverse("admin:loader_reportimport_change", args=[obj.pk]))

    def progress_view(self, request, object_id: int):
        imp = get_object_or_404(ReportImport, pk=object_id)
        if not self.has_view_permission(request, imp):
            return JsonResponse({"detail": "forbidden"}, status=403)
        return JsonResponse(progress_json(imp))

    @admin.display(description=_("status"), ordering="status")
    def status_text(self, obj: ReportImport) -> str:
        return obj.get_status_display()

    @admin.display(description=_("progress"))
    def progress(self, obj: ReportImport) -> str:
        data = progress_json(obj)
        return format_html(
            '<span class="import-progress" data-url="{}" data-status="{}">{}</span>',
            reverse("admin:loader_reportimport_progress", args=[obj.pk]),
            obj.status,
            data["text"],
        )

    @admin.display(description=_("reasons"))
    def reason_list(self, obj: ReportImport) -> str:
        return bullet_list((shown(r),) for r in obj.reasons)

    @admin.display(description=_("counts"))
    def count_list(self, obj: ReportImport) -> str:
        return bullet_list(count_items(obj.counts), "<li>{}: {}</li>")

    @admin.display(description=_("log"))
    def log_lines(self, obj: ReportImport) -> str:
        entries = obj.entries or ([line] for line in obj.log.splitlines() if line)
        return bullet_list((shown(e if isinstance(e, dict) else e[0]),) for e in entries)

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
        return bullet_list(
            (
                gettext("%(record)s · %(field)s: kept %(current)s (imported %(imported)s)")
                % {
                    "record": c["record"],
                    "field": _field_label(c["record"].split()[0], c["field"]),
                    "current": c["current"],
                    "imported": c["imported"],
                },
            )
            for c in obj.conflicts
        )


def progress_json(imp: ReportImport) -> dict:
    """What the import page shows and its script polls: status in words, rows done of all rows."""
    p = report_import_progress(imp)
    done = p["done"] + p["failed"]
    if imp.status == ReportImport.Status.PENDING:
        text = gettext("waiting for a worker")
    elif imp.status == ReportImport.Status.RUNNING and not p["total"]:
        text = gettext("reading the file")
    else:
        text = gettext("%(done)s / %(total)s rows (%(failed)s failed)") % {
            "done": done,
            "total": p["total"],
            "failed": p["failed"],
        }
    return {
        "status": imp.status,
        "status_text": str(imp.get_status_display()),
        "done": done,
        "failed": p["failed"],
        "total": p["total"],
        "final": imp.status in FINAL,
        "text": text,
    }


# ---------------------------------------------------------------- the review queue

CASE_LABELS = {
    "institution": _("institution"),
    "product": _("product"),
    "date": _("date"),
    "amount": _("amount"),
    "currency": _("currency"),
    "client": _("client"),
    "province": _("province"),
    "city": _("city"),
}
POLICY_LABELS = {
    "heading": _("heading"),
    "document_title": _("document title"),
    "issuer": _("issuer"),
    "level": _("level"),
    "province": _("province"),
    "city": _("city"),
    "issued_date": _("issue date"),
}


def _field_label(kind: str, field: str) -> str:
    return str((CASE_LABELS if kind == "case" else POLICY_LABELS).get(field, field))


class FlaggedFilter(admin.SimpleListFilter):
    title = _("flagged")
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", _("flagged: look before accepting")), ("no", _("not flagged"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(flagged=True)
        if self.value() == "no":
            return queryset.filter(flagged=False)
        return queryset


class CaseCorrectionForm(forms.ModelForm):
    """A draft case as typed values; what is saved goes through import_item_correct."""

    institution = forms.CharField(
        label=_("institution"),
        max_length=120,
        help_text=_("As the catalogue names it, or a new branch written after its bank's name."),
    )
    product = forms.CharField(label=_("product"), max_length=200)
    date = forms.DateField(label=_("date"), required=False)
    amount = AmountField(label=_("amount"), required=False, help_text=_("With its unit: 元, 万元 or 亿元."))
    currency = forms.CharField(label=_("currency"), max_length=3, required=False, help_text=_("ISO 4217"))
    client = forms.CharField(label=_("client"), max_length=200, required=False)
    province = forms.ModelChoiceField(
        Region.objects.filter(level="province").order_by("code"), label=_("province"), required=False
    )
    city = forms.ModelChoiceField(
        Region.objects.filter(level="city").order_by("code"), label=_("city"), required=False
    )

    correctable = ("institution", "product", "date", "amount", "currency", "client", "province", "city")

    class Meta:
        model = ImportItem
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial.update(_initial(self.instance, self.correctable))

    def clean(self):
        data = super().clean()
        if data.get("currency"):
            data["currency"] = data["currency"].upper()
        try:
            import_item_check_correction(item=self.instance, values=self.values())
        except forms.ValidationError as exc:
            self.add_error(None, exc)
        return data

    def values(self) -> dict:
        return {f: self.cleaned_data.get(f) for f in self.correctable}


class PolicyCorrectionForm(CaseCorrectionForm):
    heading = forms.CharField(label=_("heading"), max_length=300)
    issuer = forms.CharField(label=_("issuer"), max_length=120, required=False)
    level = forms.ChoiceField(label=_("level"), choices=Policy.Level.choices)
    issued_date = forms.DateField(label=_("issue date"), required=False)

    correctable = ("heading", "issuer", "level", "issued_date", "province", "city")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("institution", "product", "date", "amount", "currency", "client"):
            self.fields.pop(name)


def _initial(item: ImportItem, fields) -> dict:
    """The form's starting values: the draft record's (as corrected so far), else the row's."""
    record = item.record if item.pk else None
    values = item.values
    out = {}
    for f in fields:
        if record is not None and hasattr(record, f) and f not in ("institution", "product", "issuer"):
            out[f] = getattr(record, f)
        elif f in ("province", "city"):
            out[f] = Region.objects.filter(name=values.get(f), level=f).first() if values.get(f) else None
        elif f == "amount":
            out[f] = values.get(f)
        else:
            out[f] = values.get(f)
    return out


@admin.register(ImportItem)
class ImportItemAdmin(admin.ModelAdmin):
    """The review queue: each draft as readable fields beside its excerpt, flags where it looks
    wrong, a typed form to correct it before accepting, and for a matched record the changes."""

    list_display = [
        "locator", "kind", "action", "institution_col", "product_col", "date_col", "amount_col",
        "place_col", "flag_list", "excerpt", "changes", "decision",
    ]  # fmt: skip
    list_filter = ["decision", FlaggedFilter, "kind", "action", "report_import"]
    search_fields = ["locator", "excerpt"]
    actions = ["accept", "reject"]
    list_per_page = 50
    readonly_fields = [
        "report_import", "document", "kind", "action", "locator", "line", "excerpt", "flag_list",
        "draft_table", "record_link", "changes", "conflict_table", "decision", "decided_by", "decided",
    ]  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False

    def _correctable(self, obj: ImportItem | None) -> bool:
        return (
            obj is not None
            and obj.decision == ImportItem.Decision.PENDING
            and obj.action == ImportItem.Action.CREATE
        )

    def get_form(self, request, obj=None, **kwargs):
        if self._correctable(obj):
            kwargs["form"] = PolicyCorrectionForm if obj.kind == "policy" else CaseCorrectionForm
            kwargs["fields"] = list(kwargs["form"].correctable)
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if self._correctable(obj):
            form = PolicyCorrectionForm if obj.kind == "policy" else CaseCorrectionForm
            return [*form.correctable, *self.readonly_fields]
        return self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        if not self._correctable(obj) or not hasattr(form, "values"):
            return
        before = {**obj.corrections}
        import_item_correct(item=obj, values=form.values(), user=request.user)
        if obj.corrections != before:
            self.message_user(request, gettext("Corrected; accept the draft in the list when it is right."))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("report_import")

    # -- columns

    @admin.display(description=_("institution"))
    def institution_col(self, obj: ImportItem) -> str:
        v = obj.values
        return (
            v.get("institution") if obj.kind == "case" else v.get("issuer") or v.get("issuer_as_written")
        ) or "—"

    @admin.display(description=_("product / heading"))
    def product_col(self, obj: ImportItem) -> str:
        v = obj.values
        return (v.get("product") if obj.kind == "case" else v.get("heading")) or "—"

    @admin.display(description=_("date"))
    def date_col(self, obj: ImportItem) -> str:
        v = obj.values
        return (v.get("date") if obj.kind == "case" else v.get("issued_date")) or "—"

    @admin.display(description=_("amount"))
    def amount_col(self, obj: ImportItem) -> str:
        v = obj.values
        if obj.kind != "case" or v.get("amount") in (None, ""):
            return "—"
        return money(v["amount"], v.get("currency") or "CNY")

    @admin.display(description=_("place"))
    def place_col(self, obj: ImportItem) -> str:
        v = obj.values
        return " ".join(x for x in (v.get("province"), v.get("city")) if x) or "—"

    @admin.display(description=_("flags"))
    def flag_list(self, obj: ImportItem) -> str:
        return bullet_list(((flag.LABELS.get(f, f),) for f in obj.flags), "<li>⚠ {}</li>")

    @admin.display(description=_("changes"))
    def changes(self, obj: ImportItem) -> str:
        if not obj.diff:
            return "—"
        pairs = ((f, old, new) for f, (old, new) in obj.diff.items())
        return _field_values_table(obj, (gettext("now"), gettext("imported")), pairs)

    @admin.display(description=_("draft"))
    def draft_table(self, obj: ImportItem) -> str:
        labels = CASE_LABELS if obj.kind == "case" else POLICY_LABELS
        v = obj.values
        rows = []
        for f, label in labels.items():
            value = v.get(f)
            if f == "amount" and value not in (None, ""):
                value = money(value, v.get("currency") or "CNY")
            mark = " ✎" if f in obj.corrections else ""
            rows.append((label, value if value not in (None, "") else "—", mark))
        if v.get("branch"):
            rows.append((gettext("new branch, created on acceptance under"), v.get("head_office"), ""))
        if v.get("summary"):
            rows.append((gettext("summary"), v["summary"], ""))
        return format_html(
            "<table><tbody>{}</tbody></table>",
            format_html_join("", "<tr><th>{}</th><td>{}{}</td></tr>", rows),
        )

    @admin.display(description=_("conflicts"))
    def conflict_table(self, obj: ImportItem) -> str:
        if not obj.conflicts:
            return "—"
        pairs = ((f, c.get("current"), c.get("imported")) for f, c in obj.conflicts.items())
        return _field_values_table(obj, (gettext("kept (a curator's)"), gettext("imported")), pairs)

    @admin.display(description=_("record"))
    def record_link(self, obj: ImportItem) -> str:
        record = obj.record
        if record is None:
            return "—"
        meta = record._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk])
        return format_html('<a href="{}">{}</a>', url, record)

    @admin.action(description=_("Accept the selected drafts (publish, or apply the changes)"))
    def accept(self, request, queryset) -> None:
        # One by one (each in its own transaction): a draft that cannot be accepted as it stands is
        # named with the reason and the others still go through.
        n, refused = 0, []
        for item in queryset.order_by("pk"):
            try:
                n += import_items_accept(items=[item], user=request.user)
            except ReportImportError as exc:
                refused.append(str(exc))
        if n or not refused:
            self.message_user(request, gettext("%d accepted.") % n)
        for reason in refused:
            self.message_user(request, reason, messages.ERROR)

    @admin.action(description=_("Reject the selected drafts"))
    def reject(self, request, queryset) -> None:
        n = import_items_reject(items=queryset.order_by("pk"), user=request.user)
        self.message_user(request, gettext("%d rejected.") % n)


def _field_values_table(item: ImportItem, heads: tuple[str, str], pairs) -> str:
    """A field / one value / the other value table: the changes an import brings, the conflicts
    it left for a curator."""
    return format_html(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
        gettext("field"),
        *heads,
        format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (_field_label(item.kind, f), _shown_value(item, f, a), _shown_value(item, f, b))
                for f, a, b in pairs
            ),
        ),
    )


def _shown_value(item: ImportItem, field: str, value) -> str:
    if value in (None, ""):
        return "—"
    if field == "amount":
        return money(value, item.values.get("currency") or "CNY")
    return str(value)
