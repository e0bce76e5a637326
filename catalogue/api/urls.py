"""Everything under /api/: the versioned resources (v1) and, later, the schema and docs."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from institutions.api import InstitutionViewSet, RegionViewSet
from policies.api import PolicyViewSet
from products.api import CaseViewSet, CategoryViewSet, ProductViewSet

router = DefaultRouter()
router.register("products", ProductViewSet, basename="product")
router.register("cases", CaseViewSet, basename="case")
router.register("policies", PolicyViewSet, basename="policy")
router.register("institutions", InstitutionViewSet, basename="institution")
router.register("regions", RegionViewSet, basename="region")
router.register("categories", CategoryViewSet, basename="category")

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
]
