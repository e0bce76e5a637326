"""The /match/ page: a firm's profile in a form, ranked products with reasons below it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from advisor import basket
from advisor.forms import MatchForm
from advisor.matching import RULES, match, most_excluding
from products.models import Case, Product, TermField

CRITERIA = {
    "region": TermField.REGION.label,
    "collateral": TermField.COLLATERAL.label,
    "labels": TermField.LABEL.label,
    "size": TermField.SIZE.label,
    "industry": TermField.INDUSTRY.label,
    "amount": TermField.AMOUNT.label,
    "term": TermField.TERM.label,
    "programme": TermField.PROGRAMME_KIND.label,
    "theme": _("purpose (themes)"),
    "category": _("category"),
}
OUTCOMES = {"pass": _("fits"), "fail": _("does not fit"), "unknown": _("not stated")}
NOTES = {
    "case": _("a case of this product there or of that size"),
    "institution": _("the institution is located there"),
    "elsewhere": _("its cases and institution are elsewhere"),
    "national": _("no region stated"),
    "text": _("named in the product's description"),
}


def _rows(results: list) -> list[dict]:
    return [
        {
            "match": m,
            "reasons": [
                {
                    "criterion": CRITERIA.get(r.criterion, r.criterion),
                    "outcome": r.outcome,
                    "outcome_text": OUTCOMES[r.outcome],
                    "note": NOTES.get(r.note, ""),
                    "source": r.source,
                }
                for r in m.reasons
            ],
        }
        for m in results
    ]


def match_page(request: HttpRequest) -> HttpResponse:
    asked = any(v for k, v in request.GET.items())
    form = MatchForm(request.GET if asked else None)
    results, excluded = [], None
    if asked and form.is_valid():
        results, excluded = match(form.profile())
    return render(
        request,
        "advisor/match.html",
        {
            "form": form,
            "asked": asked,
            "results": _rows(results),
            "excluded": excluded,
            "excluded_most": CRITERIA.get(most_excluding(excluded) or "", most_excluding(excluded))
            if excluded
            else None,
            "excluded_count": max(excluded.values()) if excluded else 0,
            "rules": RULES,
            "criteria": CRITERIA,
            "query": request.GET.urlencode(),
        },
    )


def _next(request: HttpRequest, default: str) -> str:
    nxt = request.POST.get("next") or request.META.get("HTTP_REFERER") or default
    if url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return default


def _posted(request: HttpRequest) -> list[tuple[str, int]]:
    items = []
    for kind in basket.KINDS:
        for raw in request.POST.getlist(kind):
            try:
                pk = int(raw)
            except ValueError:
                continue
            if 0 < pk < 2**63:
                items.append((kind, pk))
    return items


@require_POST
def basket_add(request: HttpRequest) -> HttpResponse:
    """Add ticked products or cases (from a list, a product or a case page) to the basket; with
    then=compare, open the comparison of the whole basket."""
    items = _posted(request)
    if not items:
        messages.warning(request, _("Tick at least one product or case first."))
    full = basket.add(request, items)
    if full:
        messages.warning(request, _("The basket holds at most six of each kind; remove one first."))
    elif items:
        messages.success(request, _("Added to the compare basket."))
    if request.POST.get("then") == "compare":
        return redirect(compare_url(basket.get_items(request)))
    return redirect(_next(request, reverse("advisor:basket")))


@require_POST
def basket_change(request: HttpRequest) -> HttpResponse:
    items = _posted(request)
    action = request.POST.get("action")
    for item in items[:1]:
        if action == "remove":
            basket.remove(request, item)
        elif action in ("up", "down"):
            basket.move(request, item, -1 if action == "up" else 1)
    if action == "clear":
        basket.save_items(request, [])
    return redirect(reverse("advisor:basket"))


def compare_url(items: list[tuple[str, int]]) -> str:
    return reverse("products:compare") + "?" + urlencode([(k, pk) for k, pk in items])


def basket_page(request: HttpRequest) -> HttpResponse:
    items = basket.get_items(request)
    products = (
        Product.objects.published()
        .select_related("institution")
        .in_bulk([pk for k, pk in items if k == "product"])
    )
    cases = (
        Case.objects.published()
        .select_related("institution", "product")
        .in_bulk([pk for k, pk in items if k == "case"])
    )
    rows = []
    for kind, pk in items:
        obj = (products if kind == "product" else cases).get(pk)
        if obj is not None:  # a record withdrawn since it was added is left out
            rows.append({"kind": kind, "obj": obj})
    return render(
        request,
        "advisor/basket.html",
        {"rows": rows, "compare_url": compare_url([(r["kind"], r["obj"].pk) for r in rows])},
    )
