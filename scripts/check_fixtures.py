"""Check the curated files in fixtures/ without Django: shape, vocabularies, references,
excerpts found in the documents, and expected counts.

    python scripts/check_fixtures.py                 # every part file
    python scripts/check_fixtures.py fixtures/parts/003_表1.json

Exit status 1 when anything is wrong; each problem is printed on its own line.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures"
SEEDS = ROOT.parent / "shared" / "seeds"

KINDS = set(
    [
        "central-bank",
        "regulator",
        "government",
        "policy-bank",
        "large-state-bank",
        "joint-stock-bank",
        "city-commercial-bank",
        "rural-commercial-bank",
        "rural-credit-cooperative",
        "village-bank",
        "private-bank",
        "foreign-bank",
        "branch",
        "insurance-company",
        "securities-company",
        "fund-company",
        "trust-company",
        "financial-leasing",
        "guarantee-company",
        "payment-institution",
        "exchange",
        "association",
        "technology-company",
        "enterprise",
        "other",
    ]
)
LEVELS = {"central", "provincial", "municipal", "district"}
WS = re.compile(r"\s+")


def load(name: str):
    return json.loads((FIX / name).read_text(encoding="utf-8"))


RECORD_KINDS = ("products", "cases", "policies", "metrics")


def _region_index(regions: list[dict]) -> dict[str, list[dict]]:
    """Regions by full and short name."""
    names: dict[str, list[dict]] = {}
    for r in regions:
        names.setdefault(r["name"], []).append(r)
        if r["short_name"] != r["name"]:
            names.setdefault(r["short_name"], []).append(r)
    return names


class Checker:
    """The curated files read once; each check appends its problems to `errors`."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.cats = {c["slug"] for c in load("categories.json")}
        self.themes = {t["slug"] for t in load("themes.json")}
        self.topics = {t["slug"] for t in load("topics.json")}
        self.names = _region_index(load("regions.json"))
        self.all_parts = sorted((FIX / "parts").glob("*.json"))
        self.docs_of = {p: json.loads(p.read_text(encoding="utf-8")) for p in self.all_parts}
        self.inst_defs: list[tuple[str, dict]] = [("institutions.json", i) for i in load("institutions.json")]
        for p in self.all_parts:
            self.inst_defs += [(p.name, i) for i in self.docs_of[p].get("institutions", [])]
        self.inst_names: dict[str, str] = {}
        self.product_keys = {pr["key"] for d in self.docs_of.values() for pr in d.get("products", [])}
        self.texts: dict[str, str | None] = {}

    def err(self, message: str) -> None:
        self.errors.append(message)

    def doc_text(self, doc: str) -> str | None:
        if doc not in self.texts:
            path = SEEDS / doc
            self.texts[doc] = WS.sub("", path.read_text(encoding="utf-8")) if path.exists() else None
        return self.texts[doc]

    # --- institutions

    def institutions(self) -> None:
        for where, i in self.inst_defs:
            for n in [i["name"], i.get("short_name") or "", *i.get("aliases", [])]:
                if n and n in self.inst_names and self.inst_names[n] != i["name"]:
                    self.err(
                        f"{where}: institution name/alias {n!r} used by {self.inst_names[n]!r} and {i['name']!r}"
                    )
                if n:
                    self.inst_names[n] = i["name"]
        seen_def: dict[str, str] = {}
        for where, i in self.inst_defs:
            if i["name"] in seen_def and seen_def[i["name"]] != where:
                self.err(f"{where}: institution {i['name']!r} already defined in {seen_def[i['name']]}")
            seen_def[i["name"]] = where
            if i.get("kind") not in KINDS:
                self.err(f"{where}: institution {i['name']!r} has unknown kind {i.get('kind')!r}")
            if i.get("parent") and i["parent"] not in self.inst_names:
                self.err(f"{where}: institution {i['name']!r} has unknown parent {i['parent']!r}")
        for where, i in self.inst_defs:
            self.region(
                f"{where}: institution {i['name']!r}", i.get("province"), i.get("city"), i.get("district")
            )

    # --- values

    def region(self, where: str, prov, city=None, district=None) -> None:
        p = None
        if prov:
            c = [r for r in self.names.get(prov, []) if r["level"] == "province"]
            if not c:
                self.err(f"{where}: unknown province {prov!r}")
                return
            p = c[0]
        if city:
            c = [
                r
                for r in self.names.get(city, [])
                if r["level"] == "city" and (not p or r["parent"] == p["code"])
            ]
            if not c:
                self.err(f"{where}: unknown city {city!r} in {prov!r}")
        if district:
            c = [
                r
                for r in self.names.get(district, [])
                if r["level"] == "district" and (not p or r["code"][:2] == p["code"][:2])
            ]
            if len(c) != 1:
                self.err(f"{where}: district {district!r} matches {len(c)} regions")
        if (city or district) and not prov:
            self.err(f"{where}: a city or district needs its province")

    def date(self, where: str, v) -> None:
        if v is None:
            return
        try:
            dt.date.fromisoformat(v)
        except (TypeError, ValueError):
            self.err(f"{where}: bad date {v!r}")

    def number(self, where: str, v, allow_negative=False) -> None:
        if v is None:
            return
        try:
            x = Decimal(v)
        except (InvalidOperation, TypeError):
            self.err(f"{where}: bad number {v!r}")
            return
        if x < 0 and not allow_negative:
            self.err(f"{where}: negative amount {v!r}")

    def inst(self, where: str, v, required=False) -> None:
        if v is None:
            if required:
                self.err(f"{where}: institution missing")
            return
        if v not in self.inst_names:
            self.err(f"{where}: unknown institution {v!r} (add it to the file's institutions)")

    def known(self, where: str, values, vocabulary: set[str], what: str) -> None:
        for v in values:
            if v not in vocabulary:
                self.err(f"{where}: unknown {what} {v!r}")

    # --- records

    def keys(self) -> None:
        keys: dict[str, str] = {}
        for p in self.all_parts:
            for kind in RECORD_KINDS:
                for rec in self.docs_of[p].get(kind, []):
                    k = rec.get("key")
                    if k in keys and keys[k] != p.name + kind:
                        self.err(f"{p.name}: duplicate key {k!r}")
                    keys[k] = p.name + kind

    def sources(self, w: str, doc: str, srcs: list[dict]) -> None:
        if not srcs:
            self.err(f"{w}: no sources")
        for s in srcs:
            ex = s.get("excerpt", "")
            if not 12 <= len(ex) <= 80:
                self.err(f"{w}: excerpt length {len(ex)} outside 12–80: {ex!r}")
            t = self.doc_text(s.get("document", doc))
            if t is not None and WS.sub("", ex) not in t:
                self.err(f"{w}: excerpt not in document: {ex!r}")
            if not s.get("locator") or not s.get("part"):
                self.err(f"{w}: source needs part and locator")

    def product(self, w: str, rec: dict) -> None:
        self.known(w, [rec.get("category")], self.cats, "category")
        self.known(w, rec.get("themes", []), self.themes, "theme")
        self.inst(w, rec.get("institution"))
        if not rec.get("name"):
            self.err(f"{w}: name missing")

    def case(self, w: str, rec: dict) -> None:
        self.known(w, [rec.get("product")], self.product_keys, "product")
        self.inst(w, rec.get("institution"), required=True)
        self.date(w, rec.get("date"))
        self.number(w, rec.get("amount"))
        if rec.get("amount") is not None and not re.fullmatch(r"[A-Z]{3}", rec.get("currency") or ""):
            self.err(f"{w}: amount without an ISO currency")
        self.region(w, rec.get("province"), rec.get("city"), rec.get("district"))

    def policy(self, w: str, rec: dict) -> None:
        if rec.get("level") not in LEVELS:
            self.err(f"{w}: unknown level {rec.get('level')!r}")
        self.inst(w, rec.get("issuer"))
        for c in rec.get("co_issuers", []):
            self.inst(w, c)
        self.date(w, rec.get("issued_date"))
        self.region(w, rec.get("province"), rec.get("city"), rec.get("district"))
        if rec.get("level") != "central" and not rec.get("province"):
            self.err(f"{w}: a local policy needs its province")
        self.known(w, rec.get("themes", []), self.themes, "theme")
        self.known(w, rec.get("topics", []), self.topics, "topic")
        self.known(w, rec.get("categories", []), self.cats, "category")
        self.known(w, rec.get("products", []), self.product_keys, "product")
        if not rec.get("heading"):
            self.err(f"{w}: heading missing")

    def metric(self, w: str, rec: dict) -> None:
        self.inst(w, rec.get("institution"), required=True)
        self.number(w, rec.get("value"), allow_negative=True)
        self.date(w, rec.get("as_of"))
        if not rec.get("unit") or not rec.get("indicator"):
            self.err(f"{w}: unit and indicator required")

    def part_file(self, p: Path) -> None:
        """One part file's records, and its counts per part against those it expects."""
        d = self.docs_of.get(p) or json.loads(p.read_text(encoding="utf-8"))
        doc = d["document"]
        if self.doc_text(doc) is None:
            self.err(f"{p.name}: document {doc} not found in {SEEDS}")
            return
        check = {
            "products": self.product,
            "cases": self.case,
            "policies": self.policy,
            "metrics": self.metric,
        }
        counted: dict[str, dict[str, int]] = {}
        for kind in RECORD_KINDS:
            for rec in d.get(kind, []):
                w = f"{p.name}: {kind[:-1]} {rec.get('key')}"
                srcs = rec.get("sources") or []
                self.sources(w, doc, srcs)
                for part in {s.get("part") for s in srcs if s.get("document", doc) == doc}:
                    counted.setdefault(part, {}).setdefault(kind, 0)
                    counted[part][kind] += 1
                check[kind](w, rec)
        exp = d.get("expected", {})
        for part in sorted(set(exp) | set(counted)):
            e = {k: v for k, v in exp.get(part, {}).items() if v}
            c = counted.get(part, {})
            if e != c:
                self.err(f"{p.name}: part {part}: expected {e} but the records give {c}")
        print(f"{p.name}: " + "; ".join(f"{k} {v}" for k, v in sorted(counted.items())))


def main(paths: list[str]) -> int:
    check = Checker()
    check.institutions()
    check.keys()
    for p in [Path(p) for p in paths] if paths else check.all_parts:
        check.part_file(p)
    for e in check.errors:
        print("ERROR", e)
    print(f"{len(check.errors)} problem(s)")
    return 1 if check.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
