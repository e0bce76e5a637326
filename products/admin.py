from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from catalogue.admin import PublishableAdmin, SourceInline
from products.models import Case, CaseSource, Category, Product, ProductSource, ProductTerm, Theme


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "name_en", "parent", "position"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    search_fields = ["slug", "name", "name_en"]
    list_select_related = ["parent"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "name_en", "position"]
    search_fields = ["slug", "name", "name_en"]


class ProductSourceInline(SourceInline):
    model = ProductSource


class ProductTermInline(admin.TabularInline):
    """The structured terms, read-only here: they are curated in fixtures/terms/ and reloaded."""

    model = ProductTerm
    fields = ["field", "value", "low", "high", "currency", "province", "city", "locator", "excerpt"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("province", "city")


class CaseInline(admin.TabularInline):
    model = Case
    fields = ["key", "institution", "date", "amount", "currency", "province", "city", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("institution", "province", "city")


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin, PublishableAdmin):
    list_display = ["name", "institution", "category", "status", "modified"]
    list_filter = ["status", "category", "themes", "institution__kind", "name_is_descriptive"]
    search_fields = ["key", "name", "institution__name", "description", "sources__excerpt"]
    list_select_related = ["institution", "category"]
    autocomplete_fields = ["institution", "category"]
    filter_horizontal = ["themes"]
    inlines = [ProductSourceInline, ProductTermInline, CaseInline]


class CaseSourceInline(SourceInline):
    model = CaseSource


@admin.register(Case)
class CaseAdmin(SimpleHistoryAdmin, PublishableAdmin):
    list_display = ["product", "institution", "date", "amount", "currency", "province", "city", "status"]
    list_filter = ["status", "product__category", "currency", "province", "date"]
    search_fields = ["key", "product__name", "institution__name", "client", "summary", "sources__excerpt"]
    list_select_related = ["product", "institution", "province", "city"]
    autocomplete_fields = ["product", "institution", "province", "city", "district"]
    date_hierarchy = "date"
    inlines = [CaseSourceInline]
