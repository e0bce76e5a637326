"""Issue 9, "Measured, not assumed": the parser's drafts for 003 against the curated fixtures.

Recall of the curated rows of 表1/3/5/7 (same head office, date, amount, currency), of the items of
第三章第一节 and 第五章 (same heading, level, date, province), and precision (drafts that are
right) over the same parts. Printed in every run, so CI logs carry the figures."""

from __future__ import annotations

import json
import re
import time
import unicodedata
from decimal import Decimal

import pytest
from django.conf import settings

from loader.report import parse_report, report_preview

CASE_TABLE = re.compile(r"^表[1357] row \d+$")
POLICY_PART = re.compile(r"^(第三章第一节|第五章) [一二三四五六七八九十]+$")


def _flat(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "").replace("**", ""))


def _curated():
    cases: dict[str, list[dict]] = {}
    policies: dict[str, list[dict]] = {}
    for path in sorted((settings.FIXTURES_DIR / "parts").glob("003_*.json")):
        part = json.loads(path.read_text(encoding="utf-8"))
        for rec in part.get("cases", []):
            loc = rec["sources"][0]["locator"]
            if CASE_TABLE.match(loc):
                cases.setdefault(loc, []).append(rec)
        for rec in part.get("policies", []):
            loc = rec["sources"][0]["locator"]
            if POLICY_PART.match(loc):
                policies.setdefault(loc, []).append(rec)
    return cases, policies


def _amount(value) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None


def _case_right(draft: dict, curated: list[dict], head_office) -> bool:
    return any(
        draft["head_office"] == head_office(c["institution"])
        and draft["date"] == c["date"]
        and _amount(draft["amount"]) == _amount(c["amount"])
        and (draft["currency"] or "") == (c["currency"] or "")
        for c in curated
    )


def _policy_right(draft: dict, curated: list[dict]) -> bool:
    return any(
        _flat(draft["heading"]) == _flat(p["heading"])
        and draft["level"] == p["level"]
        and draft["issued_date"] == p["issued_date"]
        and (draft["province"] or None) == (p["province"] or None)
        for p in curated
    )


@pytest.mark.django_db
def test_recall_and_precision_on_003(report_text, resolve, capsys):
    started = time.perf_counter()
    preview = report_preview(parse_report(report_text), resolve=resolve)
    elapsed = time.perf_counter() - started
    cur_cases, cur_policies = _curated()
    assert len(cur_cases) >= 60 and len(cur_policies) >= 80, "curated 003 rows changed shape"

    drafts_c = {d["locator"]: d for d in preview["cases"] if CASE_TABLE.match(d["locator"])}
    drafts_p = {d["locator"]: d for d in preview["policies"] if POLICY_PART.match(d["locator"])}
    right_c = {
        loc
        for loc, d in drafts_c.items()
        if loc in cur_cases and _case_right(d, cur_cases[loc], resolve.head_office)
    }
    right_p = {
        loc for loc, d in drafts_p.items() if loc in cur_policies and _policy_right(d, cur_policies[loc])
    }

    case_recall = len(right_c) / len(cur_cases)
    policy_recall = len(right_p) / len(cur_policies)
    precision = (len(right_c) + len(right_p)) / (len(drafts_c) + len(drafts_p))
    misses = [f"  case {loc}: {drafts_c.get(loc)}" for loc in sorted(set(cur_cases) - right_c)]
    misses += [f"  policy {loc}: {drafts_p.get(loc)}" for loc in sorted(set(cur_policies) - right_p)]
    with capsys.disabled():
        print(
            f"\nreport parser on 003: case rows recall = {case_recall:.3f} ({len(right_c)}/{len(cur_cases)}), "
            f"policy items recall = {policy_recall:.3f} ({len(right_p)}/{len(cur_policies)}), "
            f"precision = {precision:.3f} ({len(right_c) + len(right_p)}/{len(drafts_c) + len(drafts_p)}), "
            f"parse + preview {elapsed:.2f} s"
        )
        if misses:
            print("\n".join(misses))
    assert case_recall >= 0.95, "\n".join(misses)
    assert policy_recall >= 0.95, "\n".join(misses)
    assert precision >= 0.95, "\n".join(misses)
    assert elapsed < 30
