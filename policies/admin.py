from django.contrib import admin

from catalogue.admin import NamedHistoryAdmin, PublishableAdmin, SourceInline, VocabularyAdmin
from institutions.admin import RegionInUseFilter
from policies.models import Policy, PolicySource, Topic

admin.site.register(Topic, VocabularyAdmin)


class PolicySourceInline(SourceInline):
    model = PolicySource


@admin.register(Policy)
class PolicyAdmin(NamedHistoryAdmin, PublishableAdmin):
    list_display = ["heading", "issuer", "level", "province", "issued_date", "status"]
    list_filter = ["status", "level", "topics", "themes", RegionInUseFilter]
    search_fields = ["key", "heading", "document_title", "issuer__name", "summary", "sources__excerpt"]
    list_select_related = ["issuer", "province"]
    # Listed, not left to the model: the place fields come from institutions.models.Placed, which
    # would put them first.
    fields = [
        "key",
        "status",
        "heading",
        "document_title",
        "issuer",
        "co_issuers",
        "level",
        "province",
        "city",
        "district",
        "issued_date",
        "summary",
        "key_measures",
        "themes",
        "topics",
        "categories",
        "products",
        "created",
        "modified",
    ]
    autocomplete_fields = ["issuer", "province", "city", "district", "co_issuers", "products"]
    filter_horizontal = ["themes", "topics", "categories"]
    date_hierarchy = "issued_date"
    inlines = [PolicySourceInline]
