"""Site-wide pages."""

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from catalogue.models import Document, Status
from institutions.models import Institution, Metric, Region
from policies.models import Policy
from products.models import Case, Category, Product, Theme


def home(request: HttpRequest) -> HttpResponse:
    """What the catalogue holds: totals, counts by category, theme and province, latest cases."""
    published = Q(products__status=Status.PUBLISHED)
    categories = (
        Category.objects.filter(parent__isnull=True)
        .annotate(
            n=Count(
                "children__products", filter=Q(children__products__status=Status.PUBLISHED), distinct=True
            )
        )
        .order_by("position")
    )
    leaf_counts = (
        Category.objects.annotate(n=Count("products", filter=published))
        .filter(n__gt=0)
        .order_by("-n", "position")
    )
    themes = Theme.objects.annotate(n=Count("products", filter=published)).order_by("position")
    # Grouped on the cases table (indexed by province), then joined to names in Python.
    by_province = dict(
        Case.objects.published()
        .exclude(province=None)
        .values_list("province")
        .annotate(n=Count("id"))
        .values_list("province", "n")
    )
    provinces = sorted(
        Region.objects.filter(code__in=by_province), key=lambda r: (-by_province[r.code], r.code)
    )
    for region in provinces:
        region.n = by_province[region.code]
    context = {
        "totals": {
            "products": Product.objects.published().count(),
            "cases": Case.objects.published().count(),
            "policies": Policy.objects.published().count(),
            "institutions": Institution.objects.count(),
            "metrics": Metric.objects.published().count(),
        },
        "categories": categories,
        "leaf_categories": leaf_counts[:12],
        "themes": themes,
        "provinces": provinces[:12],
        "latest_cases": Case.objects.published()
        .for_listing()
        .exclude(date__isnull=True)
        .order_by("-date", "-id")[:8],
        "latest_policies": Policy.objects.published()
        .select_related("issuer", "province")
        .order_by("-issued_date", "key")[:6],
        "documents": Document.objects.all(),
    }
    return render(request, "catalogue/home.html", context)
