from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalogue.models import Document, Status


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["file_name", "title", "kind", "published"]
    search_fields = ["file_name", "title"]


class SourceInline(admin.StackedInline):
    """Provenance shown (and editable) on every record's page. Stacked, not tabular: four columns
    with a 200-character excerpt made change forms wider than a 1366 px screen."""

    extra = 0
    fields = ["document", "part", "locator", "excerpt"]
    autocomplete_fields = ["document"]


class PublishableAdmin(admin.ModelAdmin):
    """Shared review actions: curators move records between draft, published and withdrawn."""

    actions = ["publish", "withdraw"]
    readonly_fields = ["created", "modified"]

    # update() skips auto_now, so `modified` is set here: partners sync on it (a withdrawal must show).
    @admin.action(description=_("Publish the selected %(verbose_name_plural)s"))
    def publish(self, request, queryset) -> None:
        n = queryset.update(status=Status.PUBLISHED, modified=timezone.now())
        self.message_user(
            request, ngettext("%(n)d record published.", "%(n)d records published.", n) % {"n": n}
        )

    @admin.action(description=_("Withdraw the selected %(verbose_name_plural)s"))
    def withdraw(self, request, queryset) -> None:
        n = queryset.update(status=Status.WITHDRAWN, modified=timezone.now())
        self.message_user(
            request, ngettext("%(n)d record withdrawn.", "%(n)d records withdrawn.", n) % {"n": n}
        )
