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
    autocomplete_fields = ["issuer", "province", "city", "district", "co_issuers", "products"]
    filter_horizontal = ["themes", "topics", "categories"]
    date_hierarchy = "issued_date"
    inlines = [PolicySourceInline]
