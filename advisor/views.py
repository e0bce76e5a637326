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
from advisor.matching import CRITERIA as WEIGHTED
from advisor.matching import RULES, match, most_excluding
from catalogue.templatetags.catalogue_tags import money
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
    "need": _("need (words)"),
}
OUTCOMES = {"pass": _("fits"), "fail": _("does not fit"), "unknown": _("not stated")}
NOTES = {
    "case": _("a case of this product there or of that size"),
    "institution": _("the institution is located there"),
    "elsewhere": _("its cases and institution are elsewhere"),
    "national": _("no region stated"),
    "text": _("named in the product's description"),
    "other-themes": _("filed under other themes"),
    "not-financing": _("a service, not financing"),
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
                    "quote": r.quote,
                }
                for r in m.reasons
            ],
        }
        for m in results
    ]


def _reading(form: MatchForm) -> dict | None:
    """The sentence read back as chips, each with a link that leaves it out, and a link that puts
    the reading into the fields (with only the unread words left in `q`) so it can be edited."""
    r = form.reading
    if r is None or not form.is_valid():
        return None
    d = form.cleaned_data
    choices = {name: dict(form.fields[name].choices) for name in ("industry", "size", "labels", "collateral")}
    params: list[tuple[str, str, str]] = []  # (parameter, value, text shown)
    if d.get("city"):
        params.append(("city", d["city"].name, d["city"].display_name))
    elif d.get("province"):
        params.append(("province", d["province"].name, d["province"].display_name))
    for name in ("industry", "size"):
        if d.get(name):
            params.append((name, d[name], str(choices[name].get(d[name], d[name]))))
    for name in ("labels", "collateral"):
        params += [(name, v, str(choices[name].get(v, v))) for v in d.get(name) or []]
    if d.get("amount") is not None:
        params.append(("amount", str(d["amount"]), money(d["amount"], "CNY")))
    if d.get("term_months"):
        params.append(("term_months", str(d["term_months"]), _("%(n)s months") % {"n": d["term_months"]}))
    themes = dict(form.fields["themes"].choices)
    params += [("themes", v, str(themes.get(v, v))) for v in d.get("themes") or []]
    need = [("q", " ".join(r.unread), "")] if r.unread else []

    def url(skip: int | None = None) -> str:
        return urlencode(
            [(k, v) for i, (k, v, _t) in enumerate(params) if i != skip] + [(k, v) for k, v, _t in need]
        )

    return {
        "chips": [{"text": text, "without": url(i)} for i, (_k, _v, text) in enumerate(params)],
        "need": r.need,
        "unread": r.unread,
        "fields_query": url(),
    }


def match_page(request: HttpRequest) -> HttpResponse:
    # Only the form's own parameters ask for a match (`?lang=en` alone does not).
    asked = any(request.GET.get(name) for name in MatchForm.base_fields)
    form = MatchForm(request.GET if asked else None)
    results, excluded, empty = [], None, False
    if asked and form.is_valid():
        profile = form.profile()
        # Nothing described: every product would tie, so the page invites a description instead.
        empty = profile.is_empty()
        results, excluded = match(profile)
    return render(
        request,
        "advisor/match.html",
        {
            "form": form,
            "asked": asked and not empty,
            "empty": empty,
            "weights": [(CRITERIA.get(c.name, c.name), c.weight, c.description) for c in WEIGHTED],
            "results": _rows(results),
            "excluded": excluded,
            "excluded_most": CRITERIA.get(most_excluding(excluded) or "", most_excluding(excluded))
            if excluded
            else None,
            "excluded_count": max(excluded.values()) if excluded else 0,
            "rules": RULES,
            "criteria": CRITERIA,
            "query": request.GET.urlencode(),
            "reading": _reading(form) if asked else None,
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
