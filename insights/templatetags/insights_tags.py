"""`{% insights_url %}`: the /insights/ link of a list page, carrying the list's filters, so a
reader can see a chart of exactly what they filtered."""

from __future__ import annotations

from django import template
from django.http import HttpRequest, QueryDict
from django.urls import reverse

from policies.filters import PolicyFilter
from products.filters import CaseFilter, ProductFilter

register = template.Library()

# The institution list's filters under the names the case and product filters give them.
RENAMED = {"directory:institution-list": {"kind": "institution_kind", "head_office": "institution"}}
# Parameters that mean something else on the insights page: a list's paging and sorting, and the
# institution list's name search (on insights `q` searches cases, products and notices).
DROPPED = {"directory:institution-list": {"q", "head_offices_only"}}
# `lang` too: a reader of the English list gets the English charts.
KNOWN = {name for f in (CaseFilter, ProductFilter, PolicyFilter) for name in f.base_filters} - {
    "ordering"
} | {"lang"}


def insights_query(params: QueryDict, view_name: str = "") -> QueryDict:
    """The filters of `params` that the insights page understands, renamed where a list names them
    differently; empty values dropped."""
    renamed, dropped = RENAMED.get(view_name, {}), DROPPED.get(view_name, set())
    out = QueryDict(mutable=True)
    for name, values in params.lists():
        target = renamed.get(name, name)
        kept = [v for v in values if v != ""]
        if name not in dropped and target in KNOWN and kept:
            out.setlist(target, [*out.getlist(target), *kept])
    return out


@register.simple_tag(takes_context=True)
def insights_url(context: template.Context) -> str:
    request: HttpRequest | None = context.get("request")
    if request is None:
        return reverse("insights:index")
    match = request.resolver_match
    query = insights_query(request.GET, match.view_name if match else "").urlencode()
    return reverse("insights:index") + (f"?{query}" if query else "")
