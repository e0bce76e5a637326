"""Measuring the report parser's drafts against the curated fixtures of 003 (issue 9, "Measured,
not assumed"; issue 18 item 7). Used by test_report_measure.py (003 as text) and test_layouts.py
(003 set in other layouts).

A case row of 表1/3/5/7 is right when its head office, product name, date, amount and currency
match a curated row at the same locator; a policy item of 第三章第一节 or 第五章 when its heading,
level, date and province do; a 表8 figure when its institution's head office, value and unit do.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

CASE_TABLE = re.compile(r"^表[1357] row \d+$")
POLICY_PART = re.compile(r"^(第三章第一节|第五章) [一二三四五六七八九十]+$")
FIGURE_TABLE = re.compile(r"^表8 ")

HeadOffice = Callable[[str | None], str | None]


def flat(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "").replace("**", ""))


def product_name(text: str | None) -> str:
    """A product name compared without quotes and spaces: "浙科 e 贷" is 浙科e贷."""
    return re.sub(r"[\"'“”‘’「」『』《》]", "", flat(text))


@dataclass
class Curated:
    """The curated rows of 003, by locator. A case carries its product's name, whether that name
    is descriptive (the document gives none) and its category's name."""

    cases: dict[str, list[dict]]
    policies: dict[str, list[dict]]
    figures: list[dict]  # 表8 metrics


def curated(fixtures_dir: Path, issue: str = "003") -> Curated:
    categories = {
        c["slug"]: c["name"]
        for c in json.loads((fixtures_dir / "categories.json").read_text(encoding="utf-8"))
    }
    cases: dict[str, list[dict]] = {}
    policies: dict[str, list[dict]] = {}
    figures: list[dict] = []
    for path in sorted((fixtures_dir / "parts").glob(f"{issue}_*.json")):
        part = json.loads(path.read_text(encoding="utf-8"))
        products = {p["key"]: p for p in part.get("products", [])}
        for rec in part.get("cases", []):
            loc = rec["sources"][0]["locator"]
            if CASE_TABLE.match(loc):
                product = products.get(rec.get("product") or "", {})
                rec = {
                    **rec,
                    "product_name": product.get("name", ""),
                    "product_descriptive": bool(product.get("name_is_descriptive")),
                    "category_name": categories.get(product.get("category", ""), ""),
                }
                cases.setdefault(loc, []).append(rec)
        for rec in part.get("policies", []):
            loc = rec["sources"][0]["locator"]
            if POLICY_PART.match(loc):
                policies.setdefault(loc, []).append(rec)
        figures += [m for m in part.get("metrics", []) if FIGURE_TABLE.match(m["sources"][0]["locator"])]
    return Curated(cases=cases, policies=policies, figures=figures)


def amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def product_right(draft: str | None, c: dict) -> bool:
    """The curated name, quotes and spaces ignored. A descriptive curated name was made up by a
    curator, so any draft name counts (none included: the table gives none) except the bare
    category name, which says nothing about this product."""
    if c["product_descriptive"]:
        return product_name(draft) != product_name(c["category_name"])
    return product_name(draft) == product_name(c["product_name"])


def case_right(draft: dict, rows: list[dict], head_office: HeadOffice, *, product: bool = True) -> bool:
    return any(
        draft["head_office"] == head_office(c["institution"])
        and (not product or product_right(draft.get("product"), c))
        and draft["date"] == c["date"]
        and amount(draft["amount"]) == amount(c["amount"])
        and (draft["currency"] or "") == (c["currency"] or "")
        for c in rows
    )


def policy_right(draft: dict, rows: list[dict]) -> bool:
    return any(
        flat(draft["heading"]) == flat(p["heading"])
        and draft["level"] == p["level"]
        and draft["issued_date"] == p["issued_date"]
        and (draft["province"] or None) == (p["province"] or None)
        for p in rows
    )


@dataclass
class Measure:
    cases_right: int
    # Right on head office, date, amount and currency, whatever the product's name (curators named
    # seven of 003's products otherwise than their cells: 首笔…业务, a category's name).
    rows_right: int
    cases_curated: int
    cases_drafted: int
    policies_right: int
    policies_curated: int
    policies_drafted: int
    figures_right: int
    figures_curated: int
    unparsed: int
    misses: list[str] = field(default_factory=list)
    drafts: dict = field(default_factory=dict)

    @property
    def case_recall(self) -> float:
        return self.cases_right / self.cases_curated if self.cases_curated else 0.0

    @property
    def row_recall(self) -> float:
        return self.rows_right / self.cases_curated if self.cases_curated else 0.0

    @property
    def row_precision(self) -> float:
        return self.rows_right / self.cases_drafted if self.cases_drafted else 0.0

    @property
    def case_precision(self) -> float:
        return self.cases_right / self.cases_drafted if self.cases_drafted else 0.0

    @property
    def policy_recall(self) -> float:
        return self.policies_right / self.policies_curated if self.policies_curated else 0.0

    @property
    def precision(self) -> float:
        """Cases and policies together, as test_report_measure has always reported it."""
        drafted = self.cases_drafted + self.policies_drafted
        return (self.cases_right + self.policies_right) / drafted if drafted else 0.0

    def line(self, name: str, seconds: float) -> str:
        return (
            f"{name:<16} rows recall {self.row_recall:.3f} ({self.rows_right}/{self.cases_curated}) "
            f"precision {self.row_precision:.3f}, with product names "
            f"recall {self.case_recall:.3f} ({self.cases_right}/{self.cases_curated}) "
            f"precision {self.case_precision:.3f} ({self.cases_right}/{self.cases_drafted}), "
            f"policies recall {self.policy_recall:.3f} ({self.policies_right}/{self.policies_curated}), "
            f"表8 figures {self.figures_right}/{self.figures_curated}, unparsed lines {self.unparsed}, "
            f"read+parse {seconds:.2f} s"
        )


def _figure_key(institution: str | None, value: Any, unit: str, head_office: HeadOffice) -> tuple:
    return (head_office(institution), amount(value), unit)


def measure(preview: dict, cur: Curated, head_office: HeadOffice, *, product: bool = True) -> Measure:
    """The drafts of one `report_preview` against the curated rows."""
    drafts_c = {d["locator"]: d for d in preview["cases"] if CASE_TABLE.match(d["locator"])}
    drafts_p = {d["locator"]: d for d in preview["policies"] if POLICY_PART.match(d["locator"])}
    right_c = {
        loc
        for loc, d in drafts_c.items()
        if loc in cur.cases and case_right(d, cur.cases[loc], head_office, product=product)
    }
    rows_right = sum(
        1
        for loc, d in drafts_c.items()
        if loc in cur.cases and case_right(d, cur.cases[loc], head_office, product=False)
    )
    right_p = {
        loc for loc, d in drafts_p.items() if loc in cur.policies and policy_right(d, cur.policies[loc])
    }
    # 表8: each curated figure found once among the drafts' figures (any locator: the drafts'
    # numbering of a bank's figures need not be the curators').
    drafted = [
        _figure_key(m["institution"], m["value"], m["unit"], head_office)
        for m in preview["metrics"]
        if FIGURE_TABLE.match(m["locator"])
    ]
    figures_right = 0
    for m in cur.figures:
        key = _figure_key(m["institution"], m["value"], m["unit"], head_office)
        if key in drafted:
            drafted.remove(key)
            figures_right += 1
    misses = [f"  case {loc}: {drafts_c.get(loc)}" for loc in sorted(set(cur.cases) - right_c)]
    misses += [
        f"  case {loc} (not curated): {drafts_c[loc]}" for loc in sorted(set(drafts_c) - set(cur.cases))
    ]
    misses += [f"  policy {loc}: {drafts_p.get(loc)}" for loc in sorted(set(cur.policies) - right_p)]
    return Measure(
        cases_right=len(right_c),
        rows_right=rows_right,
        cases_curated=len(cur.cases),
        cases_drafted=len(drafts_c),
        policies_right=len(right_p),
        policies_curated=len(cur.policies),
        policies_drafted=len(drafts_p),
        figures_right=figures_right,
        figures_curated=len(cur.figures),
        unparsed=len(preview["unparsed"]),
        misses=misses,
    )
