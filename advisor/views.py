"""The /match/ page: a firm's profile in a form, ranked products with reasons below it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from advisor.forms import MatchForm
from advisor.matching import RULES, match, most_excluding
from products.models import TermField

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
