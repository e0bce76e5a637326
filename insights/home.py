"""The home page: what the catalogue holds, counted across every app, with the insights map of
cases by province. Whole-catalogue figures are cached until the catalogue changes."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language

from catalogue.listing import FacetValue
from catalogue.models import Document
from catalogue.orderings import NEWEST_CASE, NEWEST_POLICY
from catalogue.versioning import catalogue_version
from insights import stats
from institutions.models import Institution, Metric
from policies.filters import PolicyFilter
from policies.models import Policy
from products.facets import category_tree
from products.filters import CaseFilter, ProductFilter
from products.models import Case, Product, Theme

STATS_KEY = "home-stats-v2"
MAP_KEY = "home-map-v1"
STATS_SECONDS = 3600  # whole-catalogue counts are cheap to keep and costly at a million cases


def catalogue_stats(version: str) -> dict[str, Any]:
    """Counts over the whole published catalogue at `version` (catalogue_version())."""
    key = f"{STATS_KEY}:{version}"
    figures = cache.get(key)
    if figures is None:
        cases = Case.objects.published()
        products = Product.objects.published()
        figures = {
            "totals": {
                "products": products.count(),
                "cases": cases.count(),
                "policies": Policy.objects.published().count(),
                "institutions": Institution.objects.count(),
                "metrics": Metric.objects.published().count(),
            },
            "by_category": dict(
                products.order_by()
                .values_list("category__slug")
                .annotate(n=Count("id"))
                .values_list("category__slug", "n")
            ),
            "by_theme": dict(
                products.order_by()
                .values_list("themes__slug")
                .annotate(n=Count("id"))
                .values_list("themes__slug", "n")
            ),
            "by_month": [
                (m.strftime("%Y-%m"), n)
                for m, n in cases.exclude(date=None)
                .order_by()
                .annotate(m=TruncMonth("date"))
                .values_list("m")
                .annotate(n=Count("id"))
                .values_list("m", "n")
                .order_by("m")
            ],
        }
        cache.set(key, figures, STATS_SECONDS)
    return figures


def case_map(version: str) -> dict[str, Any]:
    """The cases layer of the /insights/ map over the whole published catalogue, built by the same
    builder (stats.province_maps), cached per language: its labels and place names are translated."""
    key = f"{MAP_KEY}:{version}:{get_language()}"
    layers = cache.get(key)
    if layers is None:
        everything = QueryDict()
        maps = stats.province_maps(
            stats.filtered(CaseFilter, Case.objects.published(), everything),
            stats.filtered(ProductFilter, Product.objects.published(), everything),
            stats.filtered(PolicyFilter, Policy.objects.published(), everything),
        )
        layers = {"cases": maps["cases"]}
        cache.set(key, layers, STATS_SECONDS)
    return layers


def home(request: HttpRequest) -> HttpResponse:
    """What the catalogue holds: totals, counts by category, theme and province, latest cases."""
    version = catalogue_version()
    counts = catalogue_stats(version)
    map_data = case_map(version)
    product_list = reverse("products:product-list")

    def make(slug: str) -> FacetValue:
        return FacetValue(slug, slug, 0, False, f"{product_list}?category={slug}")

    themes = list(Theme.objects.order_by("position"))
    for t in themes:
        t.n = counts["by_theme"].get(t.slug, 0)
    months = counts["by_month"][-18:]
    month_peak = max((n for _m, n in months), default=1)
    context = {
        "totals": counts["totals"],
        "category_tree": category_tree(counts["by_category"], make),
        "themes": themes,
        # The map's own rows (code, name, value), most cases first: the list beside the map.
        "provinces": map_data["cases"]["provinces"],
        "map_data": map_data,
        "months": [(m, n, round(100 * n / month_peak)) for m, n in months],
        "latest_cases": Case.objects.published()
        .for_listing()
        .exclude(date__isnull=True)
        .order_by(NEWEST_CASE, "-id")[:8],
        "latest_policies": Policy.objects.published()
        .select_related("issuer", "province")
        .order_by(NEWEST_POLICY, "key")[:6],
        "documents": Document.objects.all(),
    }
    return render(request, "insights/home.html", context)
