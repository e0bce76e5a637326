"""The home page: what the catalogue holds, counted across every app (so it is wiring, not base)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from catalogue.listing import FacetValue
from catalogue.models import Document
from catalogue.orderings import NEWEST_CASE, NEWEST_POLICY
from catalogue.versioning import catalogue_version
from institutions.models import Institution, Metric, Region
from policies.models import Policy
from products.facets import category_tree
from products.models import Case, Product, Theme

STATS_KEY = "home-stats-v1"
STATS_SECONDS = 3600  # whole-catalogue counts are cheap to keep and costly at a million cases


def catalogue_stats() -> dict[str, Any]:
    """Counts over the whole published catalogue, cached until the catalogue changes."""
    key = f"{STATS_KEY}:{catalogue_version()}"
    stats = cache.get(key)
    if stats is None:
        cases = Case.objects.published()
        products = Product.objects.published()
        stats = {
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
            "by_province": dict(
                cases.exclude(province=None)
                .order_by()
                .values_list("province")
                .annotate(n=Count("id"))
                .values_list("province", "n")
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
        cache.set(key, stats, STATS_SECONDS)
    return stats


def province_map(by_province: dict[str, int], names: dict[str, str]) -> dict[str, Any]:
    """The map layer the shared chart script (static/insights/charts.js) draws on the vendored
    province outlines: each province with cases, linked to its case list."""
    case_list = reverse("products:case-list")
    return {
        "cases": {
            "label": _("Cases"),
            "provinces": [
                {
                    "code": code,
                    "name": names.get(code, code),
                    "value": n,
                    "url": f"{case_list}?province={code}",
                }
                for code, n in sorted(by_province.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
            "cities": {},
        }
    }


def home(request: HttpRequest) -> HttpResponse:
    """What the catalogue holds: totals, counts by category, theme and province, latest cases."""
    stats = catalogue_stats()
    product_list = reverse("products:product-list")

    def make(slug: str) -> FacetValue:
        return FacetValue(slug, slug, 0, False, f"{product_list}?category={slug}")

    by_province = stats["by_province"]
    provinces = sorted(
        Region.objects.filter(code__in=by_province), key=lambda r: (-by_province[r.code], r.code)
    )
    for region in provinces:
        region.n = by_province[region.code]
    themes = list(Theme.objects.order_by("position"))
    for t in themes:
        t.n = stats["by_theme"].get(t.slug, 0)
    months = stats["by_month"][-18:]
    month_peak = max((n for _m, n in months), default=1)
    context = {
        "totals": stats["totals"],
        "category_tree": category_tree(stats["by_category"], make),
        "themes": themes,
        "provinces": provinces,
        "map_data": province_map(by_province, {r.code: r.display_name for r in provinces}),
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
    return render(request, "catalogue/home.html", context)
