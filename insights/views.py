"""/insights/: the catalogue counted by province, month, category, theme, institution and issuer,
under the same filters as the lists, each figure linked to the list it counts."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from catalogue.api.exports import neutralised_csv_lines
from catalogue.versioning import catalogue_version
from insights import stats
from institutions.models import Region
from policies.filters import PolicyFilter
from policies.models import Policy
from products.filters import CaseFilter, ProductFilter
from products.models import Case, Category, Product, Theme


def _filtered(request: HttpRequest) -> tuple[stats.Filtered, stats.Filtered, stats.Filtered]:
    params = request.GET
    return (
        stats.filtered(CaseFilter, Case.objects.published(), params),
        stats.filtered(ProductFilter, Product.objects.published(), params),
        stats.filtered(PolicyFilter, Policy.objects.published(), params),
    )


def _charts(cases: stats.Filtered, policies: stats.Filtered) -> list[stats.Chart]:
    ranked, amounts = stats.institutions_ranked(cases)
    return [
        stats.cases_by_month(cases, "category"),
        stats.cases_by_month(cases, "theme"),
        ranked,
        amounts,
        *stats.policies_over_time(policies),
        stats.policy_to_first_case(policies),
    ]


# The filters the page's own form shows; any other filter a list passed on is kept as it came.
FORM_FIELDS = {
    "q",
    "province",
    "category",
    "theme",
    "date_after",
    "date_before",
    "issued_after",
    "issued_before",
}


def _carried(filtered: tuple[stats.Filtered, ...]) -> list[dict[str, Any]]:
    """The valid filters from a list that the form does not show: kept (hidden inputs) and named."""
    out: dict[str, dict[str, Any]] = {}
    for f in filtered:
        for name, values in f.params.lists():
            if name not in FORM_FIELDS and name not in out:
                out[name] = {"name": name, "label": str(f.fs.filters[name].label or name), "values": values}
    return list(out.values())


def insights(request: HttpRequest) -> HttpResponse:
    cases, products, policies = _filtered(request)
    errors: dict[str, list[str]] = {}
    for f in (cases, products, policies):
        for name, messages in f.errors.items():
            label = str(f.fs.filters[name].label or name)
            errors.setdefault(label, messages)
    charts = _charts(cases, policies)
    maps = stats.province_maps(cases, products, policies)
    # Tables for the map: one per metric, every province with data and its list.
    map_tables = [
        {"key": key, "label": layer["label"], "rows": layer["provinces"]} for key, layer in maps.items()
    ]
    query = request.GET.urlencode()
    context: dict[str, Any] = {
        "charts": charts,
        "chart_data": {
            c.slug: {
                "kind": c.kind,
                "categories": c.categories,
                "series": c.series,
                "rows": c.rows,
                "urls": c.urls,
                "columns": c.columns,
                "value_index": c.value_index,
            }
            for c in charts
        },
        "maps": maps,
        "map_tables": map_tables,
        "errors": errors,
        "query": query,
        "provinces": Region.objects.filter(level=Region.Level.PROVINCE).order_by("code"),
        "categories": Category.objects.filter(parent=None).order_by("position", "slug"),
        "themes": Theme.objects.order_by("position", "slug"),
        "selected": {
            "province": request.GET.get("province", ""),
            "category": request.GET.get("category", ""),
            "theme": request.GET.getlist("theme"),
        },
        "version": catalogue_version(),
        "carried": _carried((cases, products, policies)),
    }
    return render(request, "insights/insights.html", context)


def chart_csv(request: HttpRequest, chart: str) -> HttpResponse:
    """One chart's data table as CSV, under the same filters (the map's tables are `map-<metric>`)."""
    cases, products, policies = _filtered(request)
    if chart.startswith("map-"):
        layer = stats.province_maps(cases, products, policies).get(chart[4:])
        if layer is None:
            raise Http404(_("No such chart."))
        columns = [_("Region code"), _("Region"), str(layer["label"]), _("List")]
        rows = [
            [r["code"], r["name"], r["value"], request.build_absolute_uri(r["url"])]
            for r in layer["provinces"]
        ]
    else:
        found = next((c for c in _charts(cases, policies) if c.slug == chart), None)
        if found is None:
            raise Http404(_("No such chart."))
        columns = [*found.columns, _("List")]
        rows = [
            [*row, request.build_absolute_uri(url)] for row, url in zip(found.rows, found.urls, strict=True)
        ]
    # The list exports' writer: a name such as "=HYPERLINK(…)" stays text in a spreadsheet.
    response = HttpResponse(neutralised_csv_lines(columns, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{chart}.csv"'
    return response
