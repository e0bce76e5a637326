from django.contrib import admin
from django.utils import timezone

from catalogue.models import Document, Status


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["file_name", "title", "kind", "published"]
    search_fields = ["file_name", "title"]


class SourceInline(admin.TabularInline):
    """Provenance shown (and editable) on every record's page."""

    extra = 0
    fields = ["document", "part", "locator", "excerpt"]
    autocomplete_fields = ["document"]


class PublishableAdmin(admin.ModelAdmin):
    """Shared review actions: curators move records between draft, published and withdrawn."""

    actions = ["publish", "withdraw"]
    readonly_fields = ["created", "modified"]

    # update() skips auto_now, so `modified` is set here: partners sync on it (a withdrawal must show).
    @admin.action(description="Publish selected")
    def publish(self, request, queryset) -> None:
        n = queryset.update(status=Status.PUBLISHED, modified=timezone.now())
        self.message_user(request, f"{n} published")

    @admin.action(description="Withdraw selected")
    def withdraw(self, request, queryset) -> None:
        n = queryset.update(status=Status.WITHDRAWN, modified=timezone.now())
        self.message_user(request, f"{n} withdrawn")
