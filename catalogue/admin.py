from django.contrib import admin
from django.db.models import ForeignKey, Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from catalogue.models import Document, Status


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["file_name", "title", "kind", "published"]
    search_fields = ["file_name", "title"]


class VocabularyAdmin(admin.ModelAdmin):
    """Our small vocabularies (catalogue.models.Vocabulary): themes, topics, categories."""

    list_display = ["slug", "name", "name_en", "position"]
    search_fields = ["slug", "name", "name_en"]


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


class NamedHistoryHelper(HistoricalRecordContextHelper):
    """History's changes with related records by name (中国建设银行某市分行 → …), not by id
    (`32 → 255`), and choices by their label; django-simple-history shows the stored value."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if isinstance(value, Model):  # the admin asks for related objects already
            return str(value)
        if value not in (None, "") and isinstance(field, ForeignKey):
            if not isinstance(value, int | str):  # simple-history's stand-in for a deleted row
                return str(value)
            related = field.related_model._default_manager.filter(pk=value).first()
            return str(related) if related is not None else _("%(id)s (deleted)") % {"id": value}
        if value not in (None, "") and getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(value, value))
        return super().prepare_delta_change_value(change, value)


class NamedHistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose History page names related records."""

    def get_historical_record_context_helper(self, request, historical_record):
        return NamedHistoryHelper(self.model, historical_record)
