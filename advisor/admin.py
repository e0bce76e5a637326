from django.contrib import admin

from advisor.models import Delivery, SavedSearch, Shortlist, ShortlistItem


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ["created", "channel", "status", "attempts", "response_code", "error", "delivered"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    """Saved searches and their delivery log, for support (the webhook secret is not shown)."""

    list_display = ["name", "owner", "kind", "email_alerts", "webhook_url", "created"]
    list_filter = ["kind", "email_alerts"]
    search_fields = ["name", "owner__username", "query"]
    fields = ["owner", "name", "kind", "query", "email_alerts", "webhook_url"]
    readonly_fields = ["owner", "kind", "query"]
    inlines = [DeliveryInline]


class ShortlistItemInline(admin.TabularInline):
    model = ShortlistItem
    raw_id_fields = ["product"]
    extra = 0


@admin.register(Shortlist)
class ShortlistAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "modified"]
    search_fields = ["title", "owner__username"]
    inlines = [ShortlistItemInline]
