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


def main(paths: list[str]) -> int:
    errors: list[str] = []
    err = errors.append
    cats = {c["slug"] for c in load("categories.json")}
    themes = {t["slug"] for t in load("themes.json")}
    topics = {t["slug"] for t in load("topics.json")}
    regions = load("regions.json")
    by_code = {r["code"]: r for r in regions}
    names = {}
    for r in regions:
        names.setdefault(r["name"], []).append(r)
        if r["short_name"] != r["name"]:
            names.setdefault(r["short_name"], []).append(r)

    all_parts = sorted((FIX / "parts").glob("*.json"))
    files = [Path(p) for p in paths] if paths else all_parts
    base_inst = load("institutions.json")
    inst_names: dict[str, str] = {}
    inst_defs: list[tuple[str, dict]] = [("institutions.json", i) for i in base_inst]
    docs_of = {}
    for p in all_parts:
        data = json.loads(p.read_text(encoding="utf-8"))
        docs_of[p] = data
        inst_defs += [(p.name, i) for i in data.get("institutions", [])]
    for where, i in inst_defs:
        for n in [i["name"], i.get("short_name") or "", *i.get("aliases", [])]:
            if n and n in inst_names and inst_names[n] != i["name"]:
                err(f"{where}: institution name/alias {n!r} used by {inst_names[n]!r} and {i['name']!r}")
            if n:
                inst_names[n] = i["name"]
    seen_def: dict[str, str] = {}
    for where, i in inst_defs:
        if i["name"] in seen_def and seen_def[i["name"]] != where:
            err(f"{where}: institution {i['name']!r} already defined in {seen_def[i['name']]}")
        seen_def[i["name"]] = where
        if i.get("kind") not in KINDS:
            err(f"{where}: institution {i['name']!r} has unknown kind {i.get('kind')!r}")
        if i.get("parent") and i["parent"] not in inst_names:
            err(f"{where}: institution {i['name']!r} has unknown parent {i['parent']!r}")

    def region(where: str, prov, city=None, district=None) -> None:
        p = None
        if prov:
            c = [r for r in names.get(prov, []) if r["level"] == "province"]
            if not c:
                err(f"{where}: unknown province {prov!r}")
                return
            p = c[0]
        if city:
            c = [r for r in names.get(city, []) if r["level"] == "city"]
            if p:
                c = [r for r in c if r["parent"] == p["code"]]
            if not c:
                err(f"{where}: unknown city {city!r} in {prov!r}")
        if district:
            c = [r for r in names.get(district, []) if r["level"] == "district"]
            if p:
                c = [r for r in c if r["code"][:2] == p["code"][:2]]
            if len(c) != 1:
                err(f"{where}: district {district!r} matches {len(c)} regions")
        if (city or district) and not prov:
            err(f"{where}: a city or district needs its province")

    for where, i in inst_defs:
        region(f"{where}: institution {i['name']!r}", i.get("province"), i.get("city"), i.get("district"))

    texts: dict[str, str] = {}

    def doc_text(doc: str) -> str | None:
        if doc not in texts:
            path = SEEDS / doc
            texts[doc] = WS.sub("", path.read_text(encoding="utf-8")) if path.exists() else None
        return texts[doc]

    keys: dict[str, str] = {}
    product_keys = {pr["key"] for d in docs_of.values() for pr in d.get("products", [])}
    for p in all_parts:
        d = docs_of[p]
        for kind in ("products", "cases", "policies", "metrics"):
            for rec in d.get(kind, []):
                k = rec.get("key")
                if k in keys and keys[k] != p.name + kind:
                    err(f"{p.name}: duplicate key {k!r}")
                keys[k] = p.name + kind

    def date(where: str, v) -> None:
        if v is None:
            return
        try:
            dt.date.fromisoformat(v)
        except (TypeError, ValueError):
            err(f"{where}: bad date {v!r}")

    def number(where: str, v, allow_negative=False) -> None:
        if v is None:
            return
        try:
            x = Decimal(v)
        except (InvalidOperation, TypeError):
            err(f"{where}: bad number {v!r}")
            return
        if x < 0 and not allow_negative:
            err(f"{where}: negative amount {v!r}")

    def inst(where: str, v, required=False) -> None:
        if v is None:
            if required:
                err(f"{where}: institution missing")
            return
        if v not in inst_names:
            err(f"{where}: unknown institution {v!r} (add it to the file's institutions)")

    for p in files:
        d = docs_of.get(p) or json.loads(p.read_text(encoding="utf-8"))
        doc = d["document"]
        if doc_text(doc) is None:
            err(f"{p.name}: document {doc} not found in {SEEDS}")
            continue
        counted: dict[str, dict[str, int]] = {}
        for kind in ("products", "cases", "policies", "metrics"):
            for rec in d.get(kind, []):
                w = f"{p.name}: {kind[:-1]} {rec.get('key')}"
                srcs = rec.get("sources") or []
                if not srcs:
                    err(f"{w}: no sources")
                for s in srcs:
                    ex = s.get("excerpt", "")
                    if not 12 <= len(ex) <= 80:
                        err(f"{w}: excerpt length {len(ex)} outside 12–80: {ex!r}")
                    t = doc_text(s.get("document", doc))
                    if t is not None and WS.sub("", ex) not in t:
                        err(f"{w}: excerpt not in document: {ex!r}")
                    if not s.get("locator") or not s.get("part"):
                        err(f"{w}: source needs part and locator")
                for part in {s.get("part") for s in srcs if s.get("document", doc) == doc}:
                    counted.setdefault(part, {}).setdefault(kind, 0)
                    counted[part][kind] += 1
                if kind == "products":
                    if rec.get("category") not in cats:
                        err(f"{w}: unknown category {rec.get('category')!r}")
                    for t in rec.get("themes", []):
                        if t not in themes:
                            err(f"{w}: unknown theme {t!r}")
                    inst(w, rec.get("institution"))
                    if not rec.get("name"):
                        err(f"{w}: name missing")
                elif kind == "cases":
                    if rec.get("product") not in product_keys:
                        err(f"{w}: unknown product {rec.get('product')!r}")
                    inst(w, rec.get("institution"), required=True)
                    date(w, rec.get("date"))
                    number(w, rec.get("amount"))
                    if rec.get("amount") is not None and not re.fullmatch(
                        r"[A-Z]{3}", rec.get("currency") or ""
                    ):
                        err(f"{w}: amount without an ISO currency")
                    region(w, rec.get("province"), rec.get("city"), rec.get("district"))
                elif kind == "policies":
                    if rec.get("level") not in LEVELS:
                        err(f"{w}: unknown level {rec.get('level')!r}")
                    inst(w, rec.get("issuer"))
                    for c in rec.get("co_issuers", []):
                        inst(w, c)
                    date(w, rec.get("issued_date"))
                    region(w, rec.get("province"), rec.get("city"), rec.get("district"))
                    if rec.get("level") != "central" and not rec.get("province"):
                        err(f"{w}: a local policy needs its province")
                    for t in rec.get("themes", []):
                        if t not in themes:
                            err(f"{w}: unknown theme {t!r}")
                    for t in rec.get("topics", []):
                        if t not in topics:
                            err(f"{w}: unknown topic {t!r}")
                    for c in rec.get("categories", []):
                        if c not in cats:
                            err(f"{w}: unknown category {c!r}")
                    for k in rec.get("products", []):
                        if k not in product_keys:
                            err(f"{w}: unknown product {k!r}")
                    if not rec.get("heading"):
                        err(f"{w}: heading missing")
                elif kind == "metrics":
                    inst(w, rec.get("institution"), required=True)
                    number(w, rec.get("value"), allow_negative=True)
                    date(w, rec.get("as_of"))
                    if not rec.get("unit") or not rec.get("indicator"):
                        err(f"{w}: unit and indicator required")
        exp = d.get("expected", {})
        for part in sorted(set(exp) | set(counted)):
            e = {k: v for k, v in exp.get(part, {}).items() if v}
            c = counted.get(part, {})
            if e != c:
                err(f"{p.name}: part {part}: expected {e} but the records give {c}")
        print(f"{p.name}: " + "; ".join(f"{k} {v}" for k, v in sorted(counted.items())))
    del by_code
    for e in errors:
        print("ERROR", e)
    print(f"{len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
