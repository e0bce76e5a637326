"""Pages for products and cases: faceted lists, a page per product and case, and comparison."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.listing import ListPage, build_list_page, export_list, list_context
from catalogue.planner import joins_as_written
from catalogue.templatetags.catalogue_tags import money
from catalogue.versioning import catalogue_version
from products.api import write_products
from products.facets import CASE_FACETS, PRODUCT_FACETS
from products.filters import DEFAULT_CURRENCY, CaseFilter, ProductFilter, amount_currency
from products.models import Case, Product, TermField, attach_case_counts
from products.selectors import peer_cases, related_policies
from products.serializers import CaseSerializer, ProductSerializer, write_cases
from products.terms import display_rows

TIMELINE_LIMIT = 30
INPUTS = ["date_after", "date_before", "amount_min", "amount_max", "currency", "target_clients", "collateral"]
PRODUCT_SORTS = [
    ("-date", gettext_lazy("Newest case")),
    ("name", gettext_lazy("Name")),
    ("-modified", gettext_lazy("Recently updated")),
]
CASE_SORTS = [
    ("-date", gettext_lazy("Newest")),
    ("date", gettext_lazy("Oldest")),
    ("-amount", gettext_lazy("Largest amount, yuan first")),
    ("name", gettext_lazy("Product name")),
]


def amount_notes(listing: ListPage) -> list[str]:
    """What the page must say about amounts: bounds and sorts work within one currency."""
    cleaned = listing.filterset.form.cleaned_data
    currency = amount_currency(cleaned)
    unit = _("yuan") if currency == DEFAULT_CURRENCY else currency
    notes = []
    if cleaned.get("amount_min") is not None or cleaned.get("amount_max") is not None:
        notes.append(
            _(
                "The amount bounds are in %(unit)s and apply to amounts in %(unit)s only; choose a currency to bound others."
            )
            % {"unit": unit}
        )
    ordering = cleaned.get("ordering") or []
    if ordering and ordering[0].lstrip("-") == "amount":
        notes.append(
            _(
                "Sorted by amounts in %(unit)s; amounts in other currencies follow, never converted (there is no cited exchange-rate table)."
            )
            % {"unit": unit}
        )
    return notes


def product_list(request: HttpRequest) -> HttpResponse:
    queryset = Product.objects.published().for_listing()
    listing = build_list_page(request, ProductFilter, queryset, PRODUCT_FACETS, default_ordering="-date")
    attach_case_counts(listing.page.object_list)
    context = list_context(
        listing,
        INPUTS,
        sorts=PRODUCT_SORTS,
        noun=_("products"),
        page_title=_("Products"),
        notes=amount_notes(listing),
    )
    return render(request, "products/product_list.html", context)


def case_list(request: HttpRequest) -> HttpResponse:
    queryset = Case.objects.published().for_list_page()
    listing = build_list_page(request, CaseFilter, queryset, CASE_FACETS, default_ordering="-date")
    context = list_context(
        listing, INPUTS, sorts=CASE_SORTS, noun=_("cases"), page_title=_("Cases"), notes=amount_notes(listing)
    )
    return render(request, "products/case_list.html", context)


def _export(
    request: HttpRequest, fmt: str, name: str, filterset, model, serializer, writer
) -> HttpResponseBase:
    """A published list as CSV or XLSX, written by the same writer as the API's JSON."""
    return export_list(
        request,
        filterset,
        model.objects.published().for_listing(),
        serializer,
        fmt=fmt,
        name=name,
        default_ordering="-date",
        write=lambda chunk: writer(chunk, catalogue_version()),
    )


def product_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    return _export(request, fmt, "products", ProductFilter, Product, ProductSerializer, write_products)


def case_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    return _export(request, fmt, "cases", CaseFilter, Case, CaseSerializer, write_cases)


@joins_as_written()  # the product's and its cases' select_related chains: catalogue/planner.py
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(
        Product.objects.published()
        .select_related(
            "institution", "institution__head_office", "institution__province", "category", "category__parent"
        )
        .prefetch_related("themes", "sources__document"),
        pk=pk,
    )
    terms = display_rows(product.terms.select_related("document", "province", "city"))
    # The first uses are what a relationship manager asks about; the rest is one click away.
    all_cases = Case.objects.published().filter(product=product)
    cases = all_cases.for_listing().order_by(F("date").asc(nulls_last=True), "id")[:TIMELINE_LIMIT]
    return render(
        request,
        "products/product_detail.html",
        {
            "product": product,
            "terms": terms,
            "cases": cases,
            "case_total": all_cases.count(),
            "peers": peer_cases([product])[product.pk],
            "policies": related_policies(product),
            "print": request.GET.get("print") == "1",
        },
    )


@joins_as_written()  # a case with its product, institutions and places: catalogue/planner.py
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(
        Case.objects.published().for_listing().select_related("district", "product__institution"), pk=pk
    )
    return render(
        request,
        "products/case_detail.html",
        {
            "case": case,
            "peers": [c for c in peer_cases([case.product], per=20)[case.product.pk] if c.pk != case.pk],
        },
    )


MAX_COMPARE = 6


def _cell_rows(items: list, spec: list[tuple[str, Callable[[Any], str]]]) -> list[dict[str, Any]]:
    """Rows of a comparison: a label, one text per column, and whether the columns differ (so the
    page can highlight what tells them apart)."""
    rows = []
    for label, get in spec:
        cells = [get(x) or "—" for x in items]
        rows.append({"label": label, "cells": cells, "differs": len(set(cells)) > 1})
    return rows


def _terms_text(product: Product, field: str) -> str:
    return "; ".join(r["text"] for r in product.term_rows if r["field_key"] == field)


def _product_rows(products: list[Product]) -> list[dict[str, Any]]:
    for p in products:
        p.term_rows = display_rows(p.terms.all())
    spec: list[tuple[str, Callable[[Any], str]]] = [
        (_("Institution"), lambda p: p.institution.name if p.institution else ""),
        (_("Category"), lambda p: p.category.display_name),
        (_("Themes"), lambda p: ", ".join(t.display_name for t in p.themes.all())),
        (_("Target clients"), lambda p: p.target_clients),
        (_("Collateral"), lambda p: p.collateral),
    ]
    spec += [(f.label, lambda p, f=f: _terms_text(p, f)) for f in TermField]
    spec += [
        (_("Cases"), lambda p: str(p.case_count)),
        (_("Description"), lambda p: p.description),
    ]
    # A row empty in every column says nothing; terms are sparse, so such rows are dropped.
    return [r for r in _cell_rows(products, spec) if any(c != "—" for c in r["cells"])]


def _case_rows(cases: list[Case]) -> list[dict[str, Any]]:
    spec: list[tuple[str, Callable[[Any], str]]] = [
        (_("Institution"), lambda c: c.institution.name),
        (_("Date"), lambda c: c.date.isoformat() if c.date else ""),
        (_("Amount"), lambda c: money(c.amount, c.currency) if c.amount is not None else ""),
        (_("Place"), lambda c: " · ".join(r.display_name for r in (c.province, c.city) if r)),
        (_("Client"), lambda c: c.client),
        (_("First of its kind"), lambda c: c.milestone),
    ]
    return _cell_rows(cases, spec)


def compare(request: HttpRequest) -> HttpResponse:
    """Products or cases side by side, in the order of the URL (which is the order chosen); the
    URL is the shareable link, and ?print=1 the printable page."""
    errors = []
    ids = {}
    for kind in ("product", "case"):
        raw = request.GET.getlist(kind)
        try:
            ids[kind] = list(dict.fromkeys(int(x) for x in raw))
            if any(not 0 < i < 2**63 for i in ids[kind]):
                raise ValueError
        except ValueError:
            ids[kind] = []
            errors.append(_("Ids must be whole numbers."))
    wanted = {k: v[:MAX_COMPARE] for k, v in ids.items()}
    found = Product.objects.published().for_listing().with_terms().filter(pk__in=wanted["product"]).in_bulk()
    products = [found[i] for i in wanted["product"] if i in found]
    attach_case_counts(products)
    found_cases = Case.objects.published().for_listing().filter(pk__in=wanted["case"]).in_bulk()
    cases = [found_cases[i] for i in wanted["case"] if i in found_cases]
    if len(ids["product"]) > MAX_COMPARE or len(ids["case"]) > MAX_COMPARE:
        errors.append(_("Compare at most six at a time; the first six are shown."))
    if 0 < len(products) + len(cases) < 2:
        errors.append(_("Choose at least two products or two cases to compare."))
    return render(
        request,
        "products/compare.html",
        {
            "products": products,
            "cases": cases,
            "product_rows": _product_rows(products),
            "case_rows": _case_rows(cases),
            "errors": errors,
            "print": request.GET.get("print") == "1",
            "share_url": request.build_absolute_uri(
                request.path + "?" + "&".join(f"{k}={i}" for k in ("product", "case") for i in wanted[k])
            ),
        },
    )
