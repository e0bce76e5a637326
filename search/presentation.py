"""How each kind of record appears on the /search/ page: its queryset, title, facts and excerpt."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from catalogue.fulltext.text import Query, highlight, match_spans
from catalogue.paths import record_path
from institutions.models import Institution
from policies.models import Policy
from products.models import Case, Product


@dataclass
class Hit:
    obj: object
    title: str
    snippet: str
    meta: list[str]
    url: str


ORDER = ("product", "case", "policy", "institution")
LABELS = {
    "product": _("Products"),
    "case": _("Cases"),
    "policy": _("Policy notices"),
    "institution": _("Institutions"),
}
SNIPPET = 140


# The columns `hit` reads of each kind (and of its joins), and no others: a result shows a few
# names, dates and texts, and whole rows (a case's product with its description, an institution
# with its head office) cost more to fetch and build than the page's rendering of them. A field
# read by `hit` and left out here costs a query per result, which tests/search counts.
NAMED = ("name", "name_en")
FIELDS = {
    "product": (
        "name", "description", "target_clients", "collateral", "institution__name",
        *(f"category__{f}" for f in NAMED),
    ),
    "case": (
        "date", "amount", "currency", "milestone", "summary", "client", "product__name", "institution__name",
        *(f"{r}__{f}" for r in ("province", "city") for f in NAMED),
    ),
    "policy": (
        "heading", "issued_date", "level", "summary", "document_title", "key_measures", "issuer__name",
        *(f"province__{f}" for f in NAMED),
    ),
    "institution": ("name", "short_name", "kind", "head_office__name", *(f"province__{f}" for f in NAMED)),
}  # fmt: skip


def public_queryset(kind: str) -> QuerySet:
    """What the public may see of each kind, with the joins and columns a result row needs."""
    if kind == "product":
        qs = Product.objects.published().select_related("institution", "category")
    elif kind == "case":
        qs = Case.objects.published().select_related("product", "institution", "province", "city")
    elif kind == "policy":
        qs = Policy.objects.published().select_related("issuer", "province")
    else:
        qs = Institution.objects.select_related("head_office", "province").prefetch_related("aliases")
    return qs.only(*FIELDS[kind])


_APP = {"product": "products", "case": "products", "policy": "policies", "institution": "directory"}


def _url(kind: str, pk: int) -> str:
    """The record's page when the site has one, else its API resource."""
    try:
        return record_path(f"{_APP[kind]}:{kind}-detail", pk)
    except NoReverseMatch:
        return record_path(f"api:{kind}-detail", pk)


def list_url(kind: str, q: str) -> str:
    """The kind's list page filtered by the same query (its `q` runs the same search)."""
    try:
        url = reverse(f"{_APP[kind]}:{kind}-list")
    except NoReverseMatch:
        url = reverse(f"api:{kind}-list")
    return url + "?" + urlencode({"q": q})


def _snippet(texts: list[str], query: Query):
    """The first text with a match, cut around it; else the start of the first non-empty text."""
    texts = [t for t in texts if t]
    for t in texts:
        if spans := match_spans(t, query):
            return highlight(t, query, around=SNIPPET, spans=spans)
    if texts:
        return highlight(texts[0], Query(text="", terms=()), around=SNIPPET)
    return ""


def _place(*regions) -> str:
    return " · ".join(r.display_name for r in regions if r)


def hit(kind: str, obj, query: Query):

    meta: list[str] = []
    if kind == "product":
        title = highlight(obj.name, query)
        meta = [obj.institution.name if obj.institution else "", obj.category.display_name]
        snippet = _snippet([obj.description, obj.target_clients, obj.collateral], query)
    elif kind == "case":
        title = highlight(obj.product.name, query)
        amount = f"{obj.amount:,.0f} {obj.currency}" if obj.amount is not None else ""
        meta = [
            date_format(obj.date, "Y-m-d") if obj.date else "",
            highlight(obj.institution.name, query),
            amount,
            _place(obj.province, obj.city),
            highlight(obj.milestone, query),
        ]
        snippet = _snippet([obj.summary, obj.client], query)
    elif kind == "policy":
        title = highlight(obj.heading, query)
        meta = [
            date_format(obj.issued_date, "Y-m-d") if obj.issued_date else "",
            highlight(obj.issuer.name, query) if obj.issuer else "",
            str(obj.get_level_display()),
            _place(obj.province),
        ]
        snippet = _snippet([obj.summary, obj.document_title, *map(str, obj.key_measures or [])], query)
    else:
        title = highlight(obj.name, query)
        names = [obj.short_name, *(a.name for a in obj.aliases.all())]
        meta = [
            str(obj.get_kind_display()),
            highlight(obj.head_office.name, query) if obj.head_office else "",
            _place(obj.province),
        ]
        snippet = mark_safe(" · ".join(highlight(n, query) for n in names if n))  # noqa: S308
    return Hit(
        obj=obj,
        title=title,
        snippet=snippet,
        meta=[conditional_escape(m) for m in meta if m],
        url=_url(kind, obj.pk),
    )
