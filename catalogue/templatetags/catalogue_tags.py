"""Template helpers for money and figures, in the reader's language, and for the list pages' rows
and sidebar."""

import hashlib
from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import get_language

from catalogue.paths import record_path

register = template.Library()

CURRENCY_ZH = {
    "CNY": "元",
    "USD": "美元",
    "EUR": "欧元",
    "HKD": "港元",
    "JPY": "日元",
    "THB": "泰铢",
    "GBP": "英镑",
    "IDR": "印尼盾",
    "MYR": "林吉特",
    "KRW": "韩元",
    "SGD": "新加坡元",
    "AUD": "澳元",
    "VND": "越南盾",
}


def _trim(d: Decimal) -> str:
    text = f"{d:.4f}".rstrip("0").rstrip(".")
    return text


@register.filter
def money(amount: Decimal | None, currency: str = "") -> str:
    """27万美元 in Chinese (as the documents write it), 270,000 USD in English."""
    if amount is None:
        return "—"
    amount = Decimal(amount)
    if (get_language() or "").startswith("zh"):
        unit = CURRENCY_ZH.get(currency, currency)
        if amount >= Decimal("100000000"):
            return f"{_trim(amount / Decimal('100000000'))}亿{unit}"
        if amount >= Decimal("10000"):
            return f"{_trim(amount / Decimal('10000'))}万{unit}"
        return f"{_trim(amount)}{unit}"
    return f"{amount:,.0f} {currency}" if amount == amount.to_integral() else f"{amount:,.2f} {currency}"


@register.filter
def figure(value: Decimal | None, unit: str = "") -> str:
    """A reported figure with its unit: money like `money`, percentages and counts plainly."""
    if value is None:
        return "—"
    if unit in CURRENCY_ZH:
        return money(value, unit)
    labels = {"%": "%", "pct-point": " pp" if not (get_language() or "").startswith("zh") else "个百分点"}
    return f"{_trim(Decimal(value))}{labels.get(unit, ' ' + unit)}"


@register.simple_tag(takes_context=True)
def language_url(context: template.Context, code: str) -> str:
    """This page's URL in language `code`: the same query with `lang=code`, so the language is
    in the link a reader shares."""
    request = context["request"]
    query = request.GET.copy()
    query["lang"] = code
    return f"{request.path}?{query.urlencode()}"


@register.simple_tag
def record_url(name: str, value: Any) -> str:
    """`{% url name value %}` for the rows of a list, without a reverse() per link (paths.record_path)."""
    return record_path(name, value)


@register.simple_tag
def sidebar_key(listing: Any) -> str:
    """The key under which a list page's filter sidebar is kept rendered, or "" to render it.

    The sidebar is drawn from the facets (kept per list, language, catalogue version and filter
    state: catalogue/listing.py) and the query string (its links and hidden inputs carry it), so
    those two are the key; the page number is not in it (every sidebar link drops it). A query
    string naming a parameter the list does not know is rendered, not kept, so made-up
    parameters (?zz=1, ?zz=2, …) mint no entries, as for the facets themselves."""
    facet_key = getattr(listing, "facet_key", "")
    if not facet_key:
        return ""
    known = {*listing.filterset.filters, "page", "page_size"}
    if any(name not in known for name in listing.params):
        return ""
    query = listing.params.copy()
    query.pop("page", None)
    return hashlib.sha256(f"{facet_key}|{query.urlencode()}".encode()).hexdigest()
