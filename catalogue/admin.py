from django.contrib import admin

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

    @admin.action(description="Publish selected")
    def publish(self, request, queryset) -> None:
        self.message_user(request, f"{queryset.update(status=Status.PUBLISHED)} published")

    @admin.action(description="Withdraw selected")
    def withdraw(self, request, queryset) -> None:
        self.message_user(request, f"{queryset.update(status=Status.WITHDRAWN)} withdrawn")
