"""Check fixtures/terms/ and tests/advisor/profiles.json without Django: every product has a
programme kind, every value is in its vocabulary, every excerpt is 12–80 characters and in the
document, and regions, policies, cases and themes exist.

    python scripts/check_terms.py            # every terms file and the match profiles
    python scripts/check_terms.py --summary  # also print how many products have each term

Exit status 1 when anything is wrong; each problem is printed on its own line.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures"
TERMS = FIX / "terms"
SEEDS = Path(os.environ.get("SEEDS_DIR", ROOT.parent / "shared" / "seeds"))
PROFILES = ROOT / "tests" / "advisor" / "profiles.json"
WS = re.compile(r"\s+")
LIST_TERMS = {
    "collateral": "collateral_types",
    "labels": "firm_labels",
    "sizes": "firm_sizes",
    "industries": "industry_sections",
    "channels": "channels",
}
TERM_FIELDS = {
    "programme_kind",
    "rates",
    "amount",
    "term",
    "programme_size",
    "regions",
    "support",
    *LIST_TERMS,
}


def _json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _decimal(v) -> Decimal | None:
    try:
        return Decimal(v)
    except (InvalidOperation, TypeError):
        return None


def main(argv: list[str]) -> int:
    errors: list[str] = []
    err = errors.append
    vocab = _json(TERMS / "vocabularies.json")
    slugs = {name: {e.get("slug") or e.get("code") for e in rows} for name, rows in vocab.items()}
    regions = _json(FIX / "regions.json")
    by_name: dict[str, list[dict]] = {}
    for r in regions:
        by_name.setdefault(r["name"], []).append(r)
    themes = {t["slug"] for t in _json(FIX / "themes.json")}

    products: dict[str, str] = {}  # key -> part file name
    locators: dict[str, set[str]] = {}  # key -> the locators of the product's own sources
    policies: set[str] = set()
    cases: set[str] = set()
    for p in sorted((FIX / "parts").glob("*.json")):
        d = _json(p)
        products.update({r["key"]: p.name for r in d.get("products", [])})
        locators.update({r["key"]: {s["locator"] for s in r["sources"]} for r in d.get("products", [])})
        policies.update(r["key"] for r in d.get("policies", []))
        cases.update(r["key"] for r in d.get("cases", []))

    texts: dict[str, str | None] = {}

    def in_doc(doc: str, excerpt: str) -> bool:
        if doc not in texts:
            path = SEEDS / doc
            texts[doc] = WS.sub("", path.read_text(encoding="utf-8")) if path.exists() else None
        return texts[doc] is not None and WS.sub("", excerpt) in texts[doc]

    def region(where: str, prov: str | None, city: str | None) -> None:
        p = [r for r in by_name.get(prov or "", []) if r["level"] == "province"]
        if not p:
            err(f"{where}: unknown province {prov!r}")
            return
        if city and not [
            r for r in by_name.get(city, []) if r["level"] == "city" and r["parent"] == p[0]["code"]
        ]:
            err(f"{where}: unknown city {city!r} in {prov!r}")

    def source(where: str, doc: str, s) -> None:
        if not isinstance(s, dict) or not s.get("part") or not s.get("locator"):
            err(f"{where}: source needs part, locator and excerpt")
            return
        ex = s.get("excerpt", "")
        if not 12 <= len(ex) <= 80:
            err(f"{where}: excerpt length {len(ex)} outside 12–80: {ex!r}")
        if not in_doc(s.get("document", doc), ex):
            err(f"{where}: excerpt not in {s.get('document', doc)}: {ex!r}")

    filled: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    seen: set[str] = set()
    for path in sorted(TERMS.glob("*.json")):
        if path.name == "vocabularies.json":
            continue
        d = _json(path)
        doc = d.get("document", "")
        if not (FIX / "parts" / path.name).exists():
            err(f"{path.name}: no part file of that name in fixtures/parts/")
        for key, rec in d.get("products", {}).items():
            w = f"{path.name}: {key}"
            if products.get(key) != path.name:
                err(f"{w}: not a product of parts/{path.name}")
            if key in seen:
                err(f"{w}: terms given twice")
            seen.add(key)
            for field in set(rec) - TERM_FIELDS:
                err(f"{w}: unknown field {field!r}")
            for field in rec:
                filled[field] += 1
            pk = rec.get("programme_kind") or {}
            kinds[pk.get("value")] += 1
            if pk.get("value") not in slugs["programme_kinds"]:
                err(f"{w}: programme kind {pk.get('value')!r} not in the vocabulary")
            source(f"{w} programme_kind", doc, pk.get("source"))
            for field, vocab_name in LIST_TERMS.items():
                values = [v.get("value") for v in rec.get(field, [])]
                if len(values) != len(set(values)):
                    err(f"{w}: {field} repeats a value")
                for v in rec.get(field, []):
                    if v.get("value") not in slugs[vocab_name]:
                        err(f"{w}: {field} value {v.get('value')!r} not in {vocab_name}")
                    source(f"{w} {field}", doc, v.get("source"))
            for v in rec.get("regions", []):
                region(f"{w} regions", v.get("province"), v.get("city"))
                source(f"{w} regions", doc, v.get("source"))
            for v in rec.get("rates", []):
                if v.get("kind") not in (None, "fixed", "floating"):
                    err(f"{w}: rate kind {v.get('kind')!r}")
                if v.get("instrument") not in slugs["rate_instruments"]:
                    err(f"{w}: rate instrument {v.get('instrument')!r}")
                nums = [v.get(f) for f in ("value", "min", "max") if v.get(f) is not None]
                if not nums and v.get("lpr_spread_bp") is None:
                    err(f"{w}: a rate needs a value, min, max or LPR spread")
                if any(_decimal(n) is None or not 0 <= _decimal(n) < 100 for n in nums):
                    err(f"{w}: rate percentages must be decimal strings in 0–100: {nums}")
                if v.get("lpr_spread_bp") is not None and not isinstance(v["lpr_spread_bp"], int):
                    err(f"{w}: lpr_spread_bp must be an integer")
                if v.get("case") is not None and v["case"] not in cases:
                    err(f"{w}: rate cites unknown case {v['case']!r}")
                source(f"{w} rates", doc, v.get("source"))
            for field, lo, hi in (("amount", "min", "max"), ("term", "min_months", "max_months")):
                v = rec.get(field)
                if v is None:
                    continue
                if v.get(lo) is None and v.get(hi) is None:
                    err(f"{w}: {field} needs {lo} or {hi}")
                for f in (lo, hi):
                    x = v.get(f)
                    if x is not None and (
                        (field == "term" and (not isinstance(x, int) or x <= 0))
                        or (field == "amount" and (_decimal(x) is None or _decimal(x) <= 0))
                    ):
                        err(f"{w}: {field} {f} {x!r} is not a positive number")
                if field == "amount" and not re.fullmatch(r"[A-Z]{3}", v.get("currency") or ""):
                    err(f"{w}: amount needs an ISO currency")
                source(f"{w} {field}", doc, v.get("source"))
            v = rec.get("programme_size")
            if v is not None:
                if _decimal(v.get("amount")) is None or not re.fullmatch(
                    r"[A-Z]{3}", v.get("currency") or ""
                ):
                    err(f"{w}: programme_size needs an amount and an ISO currency")
                source(f"{w} programme_size", doc, v.get("source"))
            for v in rec.get("support", []):
                if v.get("kind") not in slugs["support_kinds"]:
                    err(f"{w}: support kind {v.get('kind')!r} not in the vocabulary")
                if v.get("policy") is not None and v["policy"] not in policies:
                    err(f"{w}: support cites unknown policy {v['policy']!r}")
                if v.get("rate_points") is not None and _decimal(v["rate_points"]) is None:
                    err(f"{w}: rate_points must be a decimal string")
                if v.get("max_months") is not None and not isinstance(v["max_months"], int):
                    err(f"{w}: max_months must be an integer")
                source(f"{w} support", doc, v.get("source"))
    for key in sorted(set(products) - seen):
        err(f"product {key} has no terms (every product needs at least a programme kind)")

    profiles = _json(PROFILES) if PROFILES.exists() else []
    if len(profiles) < 20:
        err(f"{PROFILES.name}: {len(profiles)} profiles, at least 20 needed")
    names = Counter(p.get("id") for p in profiles)
    for p in profiles:
        w = f"profile {p.get('id')}"
        if names[p.get("id")] > 1:
            err(f"{w}: id used twice")
        if p.get("province"):
            region(w, p["province"], p.get("city"))
        if p.get("industry") is not None and p["industry"] not in slugs["industry_sections"]:
            err(f"{w}: industry {p['industry']!r} not a GB/T 4754 section")
        if p.get("size") is not None and p["size"] not in slugs["firm_sizes"]:
            err(f"{w}: size {p['size']!r}")
        for v in p.get("labels", []):
            if v not in slugs["firm_labels"]:
                err(f"{w}: label {v!r}")
        for v in p.get("collateral", []):
            if v not in slugs["collateral_types"]:
                err(f"{w}: collateral {v!r}")
        for v in p.get("themes", []):
            if v not in themes:
                err(f"{w}: theme {v!r}")
        if p.get("amount") is not None and (_decimal(p["amount"]) is None or _decimal(p["amount"]) <= 0):
            err(f"{w}: amount {p['amount']!r}")
        if p.get("term_months") is not None and (
            not isinstance(p["term_months"], int) or p["term_months"] <= 0
        ):
            err(f"{w}: term_months {p['term_months']!r}")
        if not p.get("description") or not p.get("expected"):
            err(f"{w}: needs a description and expected products")
        for e in p.get("expected", []):
            if e.get("product") not in products:
                err(f"{w}: expected unknown product {e.get('product')!r}")
            if not e.get("reason") or not e.get("locator"):
                err(f"{w}: each expected product needs a reason and a locator")
            elif e.get("product") in locators and e["locator"] not in locators[e["product"]]:
                err(f"{w}: locator {e['locator']!r} is not one of {e.get('product')}'s sources")

    for e in errors:
        print("ERROR", e)
    if "--summary" in argv:
        print(f"products with terms: {len(seen)} of {len(products)}")
        for field, n in sorted(filled.items()):
            print(f"  {field}: {n}")
        print("programme kinds: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items(), key=str)))
        print(f"profiles: {len(profiles)}")
    print(f"{len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
