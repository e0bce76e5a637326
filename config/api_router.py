"""Everything under /api/: the versioned resources (v1), the OpenAPI schema and its docs, and a
problem-details 404 for any other path."""

from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from advisor.api import MatchView
from catalogue.api.views import ApiNotFoundView, CachedSchemaView
from institutions.api import InstitutionViewSet, MetricViewSet, RegionViewSet
from partners.api import SubmissionViewSet
from policies.api import PolicyViewSet, TopicViewSet
from products.api import CaseViewSet, CategoryViewSet, ProductViewSet, ThemeViewSet

router = DefaultRouter()
router.register("products", ProductViewSet, basename="product")
router.register("cases", CaseViewSet, basename="case")
router.register("policies", PolicyViewSet, basename="policy")
router.register("institutions", InstitutionViewSet, basename="institution")
router.register("metrics", MetricViewSet, basename="metric")
router.register("regions", RegionViewSet, basename="region")
router.register("categories", CategoryViewSet, basename="category")
router.register("themes", ThemeViewSet, basename="theme")
router.register("topics", TopicViewSet, basename="topic")
router.register("submissions", SubmissionViewSet, basename="submission")

app_name = "api"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="api:docs"), name="root"),
    path("v1/match/", MatchView.as_view(), name="match"),
    path("v1/", include(router.urls)),
    path("schema/", CachedSchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from its own URL: no inline script, so the
    # Content-Security-Policy needs no 'unsafe-inline' for scripts.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    # Only paths ending in "/": others get Django's APPEND_SLASH redirect first.
    re_path(r"^.*/$", ApiNotFoundView.as_view(), name="not-found"),
]
