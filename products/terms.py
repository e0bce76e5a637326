"""A product's structured terms read back in the shape of fixtures/terms/ (the API and the pages).

Reads only prefetched rows (`product.terms.all()`), so a list of products costs one query for all
their terms."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from catalogue.templatetags.catalogue_tags import money
from products.models import TERM_VOCABULARY, ProductTerm, TermField, TermWord

SINGLE = {TermField.PROGRAMME_KIND, TermField.AMOUNT, TermField.TERM, TermField.PROGRAMME_SIZE}
# API names, as in the fixtures.
NAMES = {
    TermField.PROGRAMME_KIND: "programme_kind",
    TermField.RATE: "rates",
    TermField.AMOUNT: "amount",
    TermField.TERM: "term",
    TermField.PROGRAMME_SIZE: "programme_size",
    TermField.COLLATERAL: "collateral",
    TermField.LABEL: "labels",
    TermField.SIZE: "sizes",
    TermField.INDUSTRY: "industries",
    TermField.REGION: "regions",
    TermField.CHANNEL: "channels",
    TermField.SUPPORT: "support",
}


def _num(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text


def _int(value: Decimal | None) -> int | None:
    return None if value is None else int(value)


def source(t: ProductTerm) -> dict[str, str]:
    return {"document": t.document.file_name, "part": t.part, "locator": t.locator, "excerpt": t.excerpt}


def _region(r: Any) -> dict[str, str] | None:
    return {"code": r.code, "name": r.name, "name_en": r.name_en} if r else None


def term_value(t: ProductTerm) -> dict[str, Any]:
    """One term row as the API gives it."""
    f = t.field
    if f == TermField.RATE:
        out = {
            "instrument": t.value or None,
            "kind": t.detail.get("kind"),
            "min": _num(t.low),
            "max": _num(t.high),
            "lpr_spread_bp": t.detail.get("lpr_spread_bp"),
            "average": bool(t.detail.get("average")),
            "case": t.detail.get("case"),
        }
    elif f == TermField.AMOUNT:
        out = {"min": _num(t.low), "max": _num(t.high), "currency": t.currency or None}
    elif f == TermField.TERM:
        out = {"min_months": _int(t.low), "max_months": _int(t.high)}
    elif f == TermField.PROGRAMME_SIZE:
        out = {"amount": _num(t.high), "currency": t.currency or None}
    elif f == TermField.REGION:
        out = {"province": _region(t.province), "city": _region(t.city)}
    elif f == TermField.SUPPORT:
        out = {
            "kind": t.value,
            "policy": t.detail.get("policy"),
            "rate_points": _num(t.low),
            "max_months": _int(t.high),
        }
    else:
        out = {"value": t.value}
    return {**out, "source": source(t)}


def terms_data(terms: Iterable[ProductTerm]) -> dict[str, Any]:
    """{api name: value or list}; every field present, null or [] where the documents are silent."""
    data: dict[str, Any] = {NAMES[f]: (None if f in SINGLE else []) for f in TermField}
    for t in terms:
        name = NAMES[TermField(t.field)]
        if t.field in SINGLE:
            data[name] = data[name] or term_value(t)
        else:
            data[name].append(term_value(t))
    return data


def word_labels() -> dict[tuple[str, str], str]:
    """{(field, slug): display name} for every vocabulary word, in the active language."""
    by_vocab = {v: f for f, v in TERM_VOCABULARY.items()}
    return {
        (by_vocab[w.vocabulary], w.slug): w.display_name
        for w in TermWord.objects.all()
        if w.vocabulary in by_vocab
    }


Labels = dict[tuple[str, str], str]


def _rate_text(t: ProductTerm, v: dict[str, Any], labels: Labels) -> str:
    text = (
        " – ".join(dict.fromkeys(x for x in (v["min"], v["max"]) if x)) + "%" if v["min"] or v["max"] else ""
    )
    if v["lpr_spread_bp"] is not None:
        text = f"LPR {v['lpr_spread_bp']:+d} bp" + (f" ({text})" if text else "")
    if t.value:
        text = f"{labels.get((t.field, t.value), t.value)} {text}"
    if v["average"]:
        text += " " + _("(average)")
    if v["case"]:
        text += " " + _("(of one deal, not a published term)")
    return text


def _money_text(t: ProductTerm, v: dict[str, Any], labels: Labels) -> str:
    """Money as the pages write it elsewhere (300万元 in Chinese, 3,000,000 CNY in English)."""
    lo, hi = (t.low, t.high) if t.field == TermField.AMOUNT else (None, t.high)
    if t.field == TermField.AMOUNT and hi is not None and lo is None:
        return f"≤ {money(hi, t.currency)}"
    return " – ".join(money(x, t.currency) for x in (lo, hi) if x is not None)


def _term_text(t: ProductTerm, v: dict[str, Any], labels: Labels) -> str:
    return " – ".join(str(x) for x in dict.fromkeys((v["min_months"], v["max_months"])) if x)


def _region_text(t: ProductTerm, v: dict[str, Any], labels: Labels) -> str:
    return " ".join(r.name for r in (t.province, t.city) if r)


def _support_text(t: ProductTerm, v: dict[str, Any], labels: Labels) -> str:
    text = labels.get((t.field, t.value), t.value)
    if v["rate_points"]:
        text += " " + _("%(n)s percentage points") % {"n": v["rate_points"]}
    if v["max_months"]:
        text += " " + _("for up to %(n)s months") % {"n": v["max_months"]}
    return text


def _word_text(t: ProductTerm, v: dict[str, Any], labels: Labels) -> str:
    return labels.get((t.field, t.value), t.value)


# How each field's value is written on a product page (a vocabulary word's name otherwise).
TERM_TEXT = {
    TermField.RATE: _rate_text,
    TermField.AMOUNT: _money_text,
    TermField.PROGRAMME_SIZE: _money_text,
    TermField.TERM: _term_text,
    TermField.REGION: _region_text,
    TermField.SUPPORT: _support_text,
}


def display_rows(terms: Iterable[ProductTerm]) -> list[dict[str, Any]]:
    """Rows for a product page: the field's name, the value in words, and the source."""
    labels = word_labels()
    rows = []
    for t in sorted(terms, key=lambda t: (list(TermField).index(TermField(t.field)), t.position)):
        text = TERM_TEXT.get(t.field, _word_text)(t, term_value(t), labels)
        rows.append({"field": TermField(t.field).label, "field_key": t.field, "text": text, "term": t})
    return rows
