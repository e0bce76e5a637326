"""Load the structured product terms (fixtures/terms/, format in fixtures/SCHEMA.md).

A separate step of load_catalogue, idempotent like the rest: the vocabularies are synced on their
"vocabulary:slug" reference, and each product's term rows are compared with the wanted ones as
whole tuples; only differences are deleted or created, and a product whose terms changed has its
`modified` stamp moved (partners sync on it).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from loader.resolve import CatalogueDataError, Resolver
from loader.rowsync import sync_rows
from products.models import TERM_VOCABULARY, Product, ProductTerm, TermField, TermWord
from products.terms import NAMES, SINGLE

# Fixture field → (term field, list or single value): the names the API writes back (products/terms.py).
FIELDS = {name: (field, field not in SINGLE) for field, name in NAMES.items()}
COMPARED = ("field", "value", "low", "high", "currency", "province_id", "city_id", "detail", "position")


def _dec(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def load_vocabularies(path: Path, report: Any) -> None:
    vocab = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for name, entries in vocab.items():
        if name not in TERM_VOCABULARY.values():
            continue  # firm_size_phrases is guidance for readers of the documents, not a vocabulary
        for i, e in enumerate(entries):
            slug = e.get("slug") or e["code"]
            rows.append(
                {
                    "ref": f"{name}:{slug}",
                    "vocabulary": name,
                    "slug": slug,
                    "name": e["zh"],
                    "name_en": e["en"],
                    "position": i,
                }
            )
    sync_rows(TermWord, "ref", rows, report, label="term word")


def _rate(item: dict[str, Any], resolver: Resolver, where: str) -> dict[str, Any]:
    one = item.get("value")
    return {
        "value": item.get("instrument") or "",
        "low": _dec(item.get("min") if one is None else one),
        "high": _dec(item.get("max") if one is None else one),
        "detail": {
            k: item.get(k)
            for k in ("kind", "lpr_spread_bp", "average", "case")
            if item.get(k) not in (None, False)
        },
    }


def _amount(item: dict[str, Any], resolver: Resolver, where: str) -> dict[str, Any]:
    return {
        "low": _dec(item.get("min")),
        "high": _dec(item.get("max")),
        "currency": item.get("currency") or "",
    }


def _programme_size(item: dict[str, Any], resolver: Resolver, where: str) -> dict[str, Any]:
    return {"high": _dec(item.get("amount")), "currency": item.get("currency") or ""}


def _term(item: dict[str, Any], resolver: Resolver, where: str) -> dict[str, Any]:
    return {"low": _dec(item.get("min_months")), "high": _dec(item.get("max_months"))}


def _region(item: dict[str, Any], resolver: Resolver, where: str) -> dict[str, Any]:
    places = resolver.places({"province": item.get("province"), "city": item.get("city")}, where)
    return {
        "province_id": places["province"].pk if places["province"] else None,
        "city_id": places["city"].pk if places["city"] else None,
    }


def _support(item: dict[str, Any], resolver: Resolver, where: str) -> dict[str, Any]:
    return {
        "value": item["kind"],
        "low": _dec(item.get("rate_points")),
        "high": _dec(item.get("max_months")),
        "detail": {"policy": item["policy"]} if item.get("policy") else {},
    }


def _word(item: dict[str, Any], resolver: Resolver, where: str) -> dict[str, Any]:
    return {"value": item["value"]}


# How a fixture item becomes a term row's values, by field (a vocabulary word otherwise).
ITEM_VALUES = {
    TermField.RATE: _rate,
    TermField.AMOUNT: _amount,
    TermField.PROGRAMME_SIZE: _programme_size,
    TermField.TERM: _term,
    TermField.REGION: _region,
    TermField.SUPPORT: _support,
}


def _source(item: dict[str, Any], document: str, resolver: Resolver, where: str) -> dict[str, Any]:
    """The term's source: its document (the product's unless it names another) and excerpt."""
    src = item["source"]
    doc = resolver.documents.get(src.get("document") or document)
    if doc is None:
        raise CatalogueDataError(f"{where}: unknown document")
    if not 12 <= len(src["excerpt"]) <= 80:
        raise CatalogueDataError(f"{where}: excerpt must be 12–80 characters: {src['excerpt']!r}")
    return {"document_id": doc.pk, "part": src["part"], "locator": src["locator"], "excerpt": src["excerpt"]}


def _row(field: TermField, i: int, item: dict[str, Any], resolver: Resolver, where: str) -> dict[str, Any]:
    """A term row's values from one fixture item (without its source)."""
    row: dict[str, Any] = {
        "field": field,
        "value": "",
        "low": None,
        "high": None,
        "currency": "",
        "province_id": None,
        "city_id": None,
        "detail": {},
        "position": i,
    }
    return row | ITEM_VALUES.get(field, _word)(item, resolver, where)


def _rows(
    key: str, terms: dict[str, Any], document: str, resolver: Resolver, words: set[str]
) -> list[dict[str, Any]]:
    """The wanted term rows of one product, as field dicts (without the product)."""
    out = []
    for name, value in terms.items():
        if name not in FIELDS:
            raise CatalogueDataError(f"terms of {key}: unknown field {name!r}")
        field, many = FIELDS[name]
        where = f"terms of {key} ({name})"
        for i, item in enumerate(value if many else [value]):
            row = _row(field, i, item, resolver, where)
            if row["value"] and f"{TERM_VOCABULARY.get(field, '')}:{row['value']}" not in words:
                raise CatalogueDataError(f"{where}: {row['value']!r} is not in the vocabulary")
            out.append(row | _source(item, document, resolver, where))
    return out


def _tuple(row: dict[str, Any]) -> tuple:
    def norm(v: Any) -> Any:
        if isinstance(v, Decimal):
            return v.normalize()
        if isinstance(v, dict):
            return json.dumps(v, sort_keys=True)
        return v

    return tuple(norm(row[k]) for k in (*COMPARED, "document_id", "part", "locator", "excerpt"))


def load_terms(fixtures_dir: Path, products: dict[str, Product], resolver: Resolver, report: Any) -> set[int]:
    """Load fixtures/terms/ for the loaded `products`; returns the ids of products whose terms changed."""
    terms_dir = fixtures_dir / "terms"
    if not terms_dir.is_dir():
        return set()
    load_vocabularies(terms_dir / "vocabularies.json", report)
    words = set(TermWord.objects.values_list("ref", flat=True))
    wanted: dict[int, list[dict[str, Any]]] = {}
    for path in sorted(terms_dir.glob("*.json")):
        if path.name == "vocabularies.json":
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        for key, terms in data["products"].items():
            if key not in products:
                raise CatalogueDataError(f"{path.name}: terms of unknown product {key!r}")
            wanted[products[key].pk] = _rows(key, terms, data["document"], resolver, words)
    have: dict[int, dict[tuple, int]] = {}
    for t in ProductTerm.objects.filter(product_id__in=list(wanted)).values(
        "pk", "product_id", *COMPARED, "document_id", "part", "locator", "excerpt"
    ):
        have.setdefault(t["product_id"], {})[_tuple(t)] = t["pk"]
    create, delete, changed = [], [], set()
    for pk, rows in wanted.items():
        current = have.get(pk, {})
        want = {_tuple(r): r for r in rows}
        gone = [tid for t, tid in current.items() if t not in want]
        new = [ProductTerm(product_id=pk, **r) for t, r in want.items() if t not in current]
        if gone or new:
            changed.add(pk)
        delete += gone
        create += new
    if delete:
        ProductTerm.objects.filter(pk__in=delete).delete()
    ProductTerm.objects.bulk_create(create)
    report.created["product term"] += len(create)
    report.updated["product term"] += len(delete)
    return changed
