from rest_framework import viewsets

from products.filters import CaseFilter, ProductFilter
from products.models import Case, Category, Product
from products.serializers import CaseSerializer, CategorySerializer, ProductSerializer


class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    """Published products with their institution, category, themes and sources."""

    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    queryset = Product.objects.published().for_listing().order_by("name", "id")


class CaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Published cases (one dated use of a product at an institution), newest first."""

    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    queryset = Case.objects.published().for_listing().order_by("-date", "-id")


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CategorySerializer
    queryset = Category.objects.select_related("parent").order_by("position", "slug")
    lookup_field = "slug"
