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

# Fixture field → (term field, list or single value).
FIELDS = {
    "programme_kind": (TermField.PROGRAMME_KIND, False),
    "rates": (TermField.RATE, True),
    "amount": (TermField.AMOUNT, False),
    "term": (TermField.TERM, False),
    "programme_size": (TermField.PROGRAMME_SIZE, False),
    "collateral": (TermField.COLLATERAL, True),
    "labels": (TermField.LABEL, True),
    "sizes": (TermField.SIZE, True),
    "industries": (TermField.INDUSTRY, True),
    "regions": (TermField.REGION, True),
    "channels": (TermField.CHANNEL, True),
    "support": (TermField.SUPPORT, True),
}
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


def _rows(
    key: str, terms: dict[str, Any], document: str, resolver: Resolver, words: set[str]
) -> list[dict[str, Any]]:
    """The wanted term rows of one product, as field dicts (without the product)."""
    out = []
    for name, value in terms.items():
        if name not in FIELDS:
            raise CatalogueDataError(f"terms of {key}: unknown field {name!r}")
        field, many = FIELDS[name]
        items = value if many else [value]
        for i, item in enumerate(items):
            where = f"terms of {key} ({name})"
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
            if field == TermField.RATE:
                row.update(
                    value=item.get("instrument") or "",
                    low=_dec(item.get("min") if item.get("value") is None else item.get("value")),
                    high=_dec(item.get("max") if item.get("value") is None else item.get("value")),
                    detail={
                        k: item.get(k)
                        for k in ("kind", "lpr_spread_bp", "average", "case")
                        if item.get(k) not in (None, False)
                    },
                )
            elif field in (TermField.AMOUNT,):
                row.update(
                    low=_dec(item.get("min")), high=_dec(item.get("max")), currency=item.get("currency") or ""
                )
            elif field == TermField.PROGRAMME_SIZE:
                row.update(high=_dec(item.get("amount")), currency=item.get("currency") or "")
            elif field == TermField.TERM:
                row.update(low=_dec(item.get("min_months")), high=_dec(item.get("max_months")))
            elif field == TermField.REGION:
                places = resolver.places({"province": item.get("province"), "city": item.get("city")}, where)
                row.update(
                    province_id=places["province"].pk if places["province"] else None,
                    city_id=places["city"].pk if places["city"] else None,
                )
            elif field == TermField.SUPPORT:
                row.update(
                    value=item["kind"],
                    low=_dec(item.get("rate_points")),
                    high=_dec(item.get("max_months")),
                    detail={"policy": item["policy"]} if item.get("policy") else {},
                )
            else:
                row["value"] = item["value"]
            if row["value"] and f"{TERM_VOCABULARY.get(field, '')}:{row['value']}" not in words:
                raise CatalogueDataError(f"{where}: {row['value']!r} is not in the vocabulary")
            src = item["source"]
            doc = resolver.documents.get(src.get("document") or document)
            if doc is None:
                raise CatalogueDataError(f"{where}: unknown document")
            if not 12 <= len(src["excerpt"]) <= 80:
                raise CatalogueDataError(f"{where}: excerpt must be 12–80 characters: {src['excerpt']!r}")
            row.update(document_id=doc.pk, part=src["part"], locator=src["locator"], excerpt=src["excerpt"])
            out.append(row)
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
