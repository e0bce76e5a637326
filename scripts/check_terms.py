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


def _parts() -> tuple[dict[str, str], dict[str, set[str]], set[str], set[str]]:
    """From fixtures/parts/: product key -> part file, product key -> its sources' locators, and
    the policy and case keys."""
    products: dict[str, str] = {}
    locators: dict[str, set[str]] = {}
    policies: set[str] = set()
    cases: set[str] = set()
    for p in sorted((FIX / "parts").glob("*.json")):
        d = _json(p)
        products.update({r["key"]: p.name for r in d.get("products", [])})
        locators.update({r["key"]: {s["locator"] for s in r["sources"]} for r in d.get("products", [])})
        policies.update(r["key"] for r in d.get("policies", []))
        cases.update(r["key"] for r in d.get("cases", []))
    return products, locators, policies, cases


def _positive(field: str, x) -> bool:
    if field == "term":
        return isinstance(x, int) and x > 0
    return _decimal(x) is not None and _decimal(x) > 0


class Checker:
    """The curated files read once; each check appends its problems to `errors`."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        vocab = _json(TERMS / "vocabularies.json")
        self.slugs = {name: {e.get("slug") or e.get("code") for e in rows} for name, rows in vocab.items()}
        self.by_name: dict[str, list[dict]] = {}
        for r in _json(FIX / "regions.json"):
            self.by_name.setdefault(r["name"], []).append(r)
        self.themes = {t["slug"] for t in _json(FIX / "themes.json")}
        self.products, self.locators, self.policies, self.cases = _parts()
        self.texts: dict[str, str | None] = {}
        self.filled: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.seen: set[str] = set()
        self.profiles: list[dict] = []

    def err(self, message: str) -> None:
        self.errors.append(message)

    def in_doc(self, doc: str, excerpt: str) -> bool:
        if doc not in self.texts:
            path = SEEDS / doc
            self.texts[doc] = WS.sub("", path.read_text(encoding="utf-8")) if path.exists() else None
        return self.texts[doc] is not None and WS.sub("", excerpt) in self.texts[doc]

    def region(self, where: str, prov: str | None, city: str | None) -> None:
        p = [r for r in self.by_name.get(prov or "", []) if r["level"] == "province"]
        if not p:
            self.err(f"{where}: unknown province {prov!r}")
            return
        if city and not [
            r for r in self.by_name.get(city, []) if r["level"] == "city" and r["parent"] == p[0]["code"]
        ]:
            self.err(f"{where}: unknown city {city!r} in {prov!r}")

    def source(self, where: str, doc: str, s) -> None:
        if not isinstance(s, dict) or not s.get("part") or not s.get("locator"):
            self.err(f"{where}: source needs part, locator and excerpt")
            return
        ex = s.get("excerpt", "")
        if not 12 <= len(ex) <= 80:
            self.err(f"{where}: excerpt length {len(ex)} outside 12–80: {ex!r}")
        if not self.in_doc(s.get("document", doc), ex):
            self.err(f"{where}: excerpt not in {s.get('document', doc)}: {ex!r}")

    # --- the terms files

    def terms_files(self) -> None:
        for path in sorted(TERMS.glob("*.json")):
            if path.name == "vocabularies.json":
                continue
            d = _json(path)
            if not (FIX / "parts" / path.name).exists():
                self.err(f"{path.name}: no part file of that name in fixtures/parts/")
            for key, rec in d.get("products", {}).items():
                self.product(path.name, d.get("document", ""), key, rec)
        for key in sorted(set(self.products) - self.seen):
            self.err(f"product {key} has no terms (every product needs at least a programme kind)")

    def product(self, file: str, doc: str, key: str, rec: dict) -> None:
        w = f"{file}: {key}"
        if self.products.get(key) != file:
            self.err(f"{w}: not a product of parts/{file}")
        if key in self.seen:
            self.err(f"{w}: terms given twice")
        self.seen.add(key)
        for field in set(rec) - TERM_FIELDS:
            self.err(f"{w}: unknown field {field!r}")
        for field in rec:
            self.filled[field] += 1
        self.programme_kind(w, doc, rec.get("programme_kind") or {})
        self.lists(w, doc, rec)
        for v in rec.get("regions", []):
            self.region(f"{w} regions", v.get("province"), v.get("city"))
            self.source(f"{w} regions", doc, v.get("source"))
        for v in rec.get("rates", []):
            self.rate(w, doc, v)
        for field, lo, hi in (("amount", "min", "max"), ("term", "min_months", "max_months")):
            if rec.get(field) is not None:
                self.limits(w, doc, field, lo, hi, rec[field])
        if rec.get("programme_size") is not None:
            self.programme_size(w, doc, rec["programme_size"])
        for v in rec.get("support", []):
            self.support(w, doc, v)

    def programme_kind(self, w: str, doc: str, pk: dict) -> None:
        self.kinds[pk.get("value")] += 1
        if pk.get("value") not in self.slugs["programme_kinds"]:
            self.err(f"{w}: programme kind {pk.get('value')!r} not in the vocabulary")
        self.source(f"{w} programme_kind", doc, pk.get("source"))

    def lists(self, w: str, doc: str, rec: dict) -> None:
        for field, vocab_name in LIST_TERMS.items():
            values = [v.get("value") for v in rec.get(field, [])]
            if len(values) != len(set(values)):
                self.err(f"{w}: {field} repeats a value")
            for v in rec.get(field, []):
                if v.get("value") not in self.slugs[vocab_name]:
                    self.err(f"{w}: {field} value {v.get('value')!r} not in {vocab_name}")
                self.source(f"{w} {field}", doc, v.get("source"))

    def rate(self, w: str, doc: str, v: dict) -> None:
        if v.get("kind") not in (None, "fixed", "floating"):
            self.err(f"{w}: rate kind {v.get('kind')!r}")
        if v.get("instrument") not in self.slugs["rate_instruments"]:
            self.err(f"{w}: rate instrument {v.get('instrument')!r}")
        nums = [v.get(f) for f in ("value", "min", "max") if v.get(f) is not None]
        if not nums and v.get("lpr_spread_bp") is None:
            self.err(f"{w}: a rate needs a value, min, max or LPR spread")
        if any(_decimal(n) is None or not 0 <= _decimal(n) < 100 for n in nums):
            self.err(f"{w}: rate percentages must be decimal strings in 0–100: {nums}")
        if v.get("lpr_spread_bp") is not None and not isinstance(v["lpr_spread_bp"], int):
            self.err(f"{w}: lpr_spread_bp must be an integer")
        if v.get("case") is not None and v["case"] not in self.cases:
            self.err(f"{w}: rate cites unknown case {v['case']!r}")
        self.source(f"{w} rates", doc, v.get("source"))

    def limits(self, w: str, doc: str, field: str, lo: str, hi: str, v: dict) -> None:
        if v.get(lo) is None and v.get(hi) is None:
            self.err(f"{w}: {field} needs {lo} or {hi}")
        for f in (lo, hi):
            x = v.get(f)
            if x is not None and not _positive(field, x):
                self.err(f"{w}: {field} {f} {x!r} is not a positive number")
        if field == "amount" and not re.fullmatch(r"[A-Z]{3}", v.get("currency") or ""):
            self.err(f"{w}: amount needs an ISO currency")
        self.source(f"{w} {field}", doc, v.get("source"))

    def programme_size(self, w: str, doc: str, v: dict) -> None:
        if _decimal(v.get("amount")) is None or not re.fullmatch(r"[A-Z]{3}", v.get("currency") or ""):
            self.err(f"{w}: programme_size needs an amount and an ISO currency")
        self.source(f"{w} programme_size", doc, v.get("source"))

    def support(self, w: str, doc: str, v: dict) -> None:
        if v.get("kind") not in self.slugs["support_kinds"]:
            self.err(f"{w}: support kind {v.get('kind')!r} not in the vocabulary")
        if v.get("policy") is not None and v["policy"] not in self.policies:
            self.err(f"{w}: support cites unknown policy {v['policy']!r}")
        if v.get("rate_points") is not None and _decimal(v["rate_points"]) is None:
            self.err(f"{w}: rate_points must be a decimal string")
        if v.get("max_months") is not None and not isinstance(v["max_months"], int):
            self.err(f"{w}: max_months must be an integer")
        self.source(f"{w} support", doc, v.get("source"))

    # --- the match profiles

    def profiles_file(self) -> None:
        self.profiles = _json(PROFILES) if PROFILES.exists() else []
        if len(self.profiles) < 20:
            self.err(f"{PROFILES.name}: {len(self.profiles)} profiles, at least 20 needed")
        names = Counter(p.get("id") for p in self.profiles)
        for p in self.profiles:
            w = f"profile {p.get('id')}"
            if names[p.get("id")] > 1:
                self.err(f"{w}: id used twice")
            if p.get("province"):
                self.region(w, p["province"], p.get("city"))
            self.profile_words(w, p)
            self.profile_numbers(w, p)
            self.expected(w, p)

    def profile_words(self, w: str, p: dict) -> None:
        if p.get("industry") is not None and p["industry"] not in self.slugs["industry_sections"]:
            self.err(f"{w}: industry {p['industry']!r} not a GB/T 4754 section")
        if p.get("size") is not None and p["size"] not in self.slugs["firm_sizes"]:
            self.err(f"{w}: size {p['size']!r}")
        for field, known in (
            ("labels", self.slugs["firm_labels"]),
            ("collateral", self.slugs["collateral_types"]),
            ("themes", self.themes),
        ):
            for v in p.get(field, []):
                if v not in known:
                    self.err(f"{w}: {field.removesuffix('s')} {v!r}")

    def profile_numbers(self, w: str, p: dict) -> None:
        if p.get("amount") is not None and not _positive("amount", p["amount"]):
            self.err(f"{w}: amount {p['amount']!r}")
        if p.get("term_months") is not None and not _positive("term", p["term_months"]):
            self.err(f"{w}: term_months {p['term_months']!r}")

    def expected(self, w: str, p: dict) -> None:
        if not p.get("description") or not p.get("expected"):
            self.err(f"{w}: needs a description and expected products")
        for e in p.get("expected", []):
            if e.get("product") not in self.products:
                self.err(f"{w}: expected unknown product {e.get('product')!r}")
            if not e.get("reason") or not e.get("locator"):
                self.err(f"{w}: each expected product needs a reason and a locator")
            elif e.get("product") in self.locators and e["locator"] not in self.locators[e["product"]]:
                self.err(f"{w}: locator {e['locator']!r} is not one of {e.get('product')}'s sources")

    def summary(self) -> None:
        print(f"products with terms: {len(self.seen)} of {len(self.products)}")
        for field, n in sorted(self.filled.items()):
            print(f"  {field}: {n}")
        print("programme kinds: " + ", ".join(f"{k} {n}" for k, n in sorted(self.kinds.items(), key=str)))
        print(f"profiles: {len(self.profiles)}")


def main(argv: list[str]) -> int:
    check = Checker()
    check.terms_files()
    check.profiles_file()
    for e in check.errors:
        print("ERROR", e)
    if "--summary" in argv:
        check.summary()
    print(f"{len(check.errors)} problem(s)")
    return 1 if check.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
