import django_filters as filters
from django.db.models import F

from catalogue.api.filters import NameSearchFilterSet
from catalogue.api.views import CatalogueViewSet
from catalogue.filters import StrictBooleanFilter
from products.filters import CaseFilter, ProductFilter
from products.history import HistoryMixin
from products.models import Case, Category, Product, Theme
from products.serializers import CaseSerializer, CategorySerializer, ProductSerializer, ThemeSerializer


class ProductViewSet(HistoryMixin, CatalogueViewSet):
    """Products (what an institution offers) with their institution, category, themes and sources.
    Filters are those of the products page; `ordering` is the page's sort."""

    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    queryset = Product.objects.for_listing().with_terms().order_by("name_sort", "name", "id")


class CaseViewSet(HistoryMixin, CatalogueViewSet):
    """Cases (落地案例): one dated use of a product at an institution, newest first."""

    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    # Undated cases last, as on the HTML list: PostgreSQL would put NULLs first when descending.
    queryset = Case.objects.for_listing().order_by(F("date").desc(nulls_last=True), "-id")


class CategoryFilter(NameSearchFilterSet):
    search_fields = ("slug", "name", "name_en")
    parent = filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        help_text="Slug of a category: its sub-categories.",
    )
    top_level = StrictBooleanFilter(
        field_name="parent", lookup_expr="isnull", help_text="true: only top-level categories."
    )

    class Meta:
        model = Category
        fields = ["q", "parent", "top_level"]


class CategoryViewSet(CatalogueViewSet):
    """The product-category tree, in display order; `parent` links a category to the one above."""

    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    queryset = Category.objects.select_related("parent").order_by("position", "slug")
    lookup_field = "slug"
    ordering_fields = {"position": "position", "slug": "slug", "name": "name"}


class ThemeFilter(NameSearchFilterSet):
    search_fields = ("slug", "name", "name_en")

    class Meta:
        model = Theme
        fields = ["q"]


class ThemeViewSet(CatalogueViewSet):
    """The five themes that cut across categories (科技, 绿色, 普惠, 养老, 数字金融)."""

    serializer_class = ThemeSerializer
    filterset_class = ThemeFilter
    queryset = Theme.objects.order_by("position", "slug")
    lookup_field = "slug"
    ordering_fields = {"position": "position", "slug": "slug"}
