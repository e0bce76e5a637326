"""Template helpers for money and figures, in the reader's language."""

from decimal import Decimal

from django import template
from django.utils.translation import get_language

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
