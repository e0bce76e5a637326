import json
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from partners.models import ApiKey, Partner, Submission
from partners.services import api_key_issue, api_key_revoke, submission_publish, submission_reject


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ["name", "prefix", "scope", "created", "revoked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # keys are issued from the API key page, where the raw key is shown once


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_email", "is_active", "created"]
    list_filter = ["is_active"]
    search_fields = ["name", "contact_email"]
    inlines = [ApiKeyInline]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "partner", "prefix", "scope", "created", "revoked_at"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "partner__name"]
    list_select_related = ["partner"]
    autocomplete_fields = ["partner"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None) -> list[str]:
        return ["partner", "name", "scope"] + (["prefix", "created", "revoked_at"] if obj else [])

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return ["partner", "prefix", "created", "revoked_at"] if obj else []

    def save_model(self, request: HttpRequest, obj: ApiKey, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # Kept on this request only: response_add shows it in the POST's own response. A message
        # would travel in the messages cookie, signed but readable by anyone who sees the cookie.
        request._issued_api_key = api_key_issue(obj)

    def response_add(self, request: HttpRequest, obj: ApiKey, post_url_continue=None):  # noqa: ANN001, ANN201
        raw = getattr(request, "_issued_api_key", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        response = TemplateResponse(
            request,
            "admin/partners/apikey/issued.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "key": obj,
                "raw_key": raw,
                "title": _("API key issued"),
            },
        )
        # Not kept by any cache, nor by the browser's back/forward history.
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        n = 0
        for key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(key=key)
            n += 1
        self.message_user(request, f"{n} key(s) revoked")


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (shown to the partner)"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    """Curators review partner submissions: publish (creates the records) or reject with a reason."""

    list_display = ["id", "product_name", "partner", "status", "created", "reviewed_at", "product"]
    list_filter = ["status", "partner"]
    search_fields = ["=id", "partner__name", "reason"]
    list_select_related = ["partner", "product"]
    readonly_fields = [
        "partner",
        "api_key",
        "status",
        "submitted_data",
        "resolved_references",
        "reason",
        "product",
        "case",
        "reviewed_by",
        "reviewed_at",
        "created",
        "modified",
    ]
    fields = readonly_fields
    actions = ["publish", "reject"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("submitted data"))
    def submitted_data(self, obj: Submission) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, ensure_ascii=False, indent=2))

    @admin.display(description=_("resolved references"))
    def resolved_references(self, obj: Submission) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.resolved, ensure_ascii=False, indent=2))

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Submission],
        done_word: str,
        step: Callable[[Submission], object],
    ) -> None:
        """Apply a review service to each submission; a refusal is reported per submission and
        the rest go on."""
        done = 0
        for sub in queryset:
            try:
                step(sub)
                done += 1
            except ValidationError as exc:
                self.message_user(
                    request, f"#{sub.pk} not {done_word}: {'; '.join(exc.messages)}", messages.ERROR
                )
        if done:
            self.message_user(request, f"{done} submission(s) {done_word}", messages.SUCCESS)

    @admin.action(description=_("Publish selected submissions"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        self._each(
            request,
            queryset,
            "published",
            lambda sub: submission_publish(submission=sub, reviewer=request.user),
        )

    @admin.action(description=_("Reject selected submissions (asks for a reason)"))
    def reject(self, request: HttpRequest, queryset: QuerySet[Submission]):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            self._each(
                request,
                queryset,
                "rejected",
                lambda sub: submission_reject(submission=sub, reviewer=request.user, reason=reason),
            )
            return None
        return TemplateResponse(
            request,
            "admin/partners/submission/reject.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reject submissions"),
                "queryset": queryset,
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )
