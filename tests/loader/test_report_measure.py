"""Issue 9, "Measured, not assumed": the parser's drafts for 003 against the curated fixtures.

Recall of the curated rows of 表1/3/5/7 (same head office, date, amount, currency), of the items of
第三章第一节 and 第五章 (same heading, level, date, province), and precision (drafts that are
right) over the same parts. Printed in every run, so CI logs carry the figures. The comparison
lives in measure.py, shared with test_layouts.py (which also compares product names)."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from loader.report import parse_report, report_preview
from tests.loader.measure import curated, measure


@pytest.mark.django_db
def test_recall_and_precision_on_003(report_text, resolve, capsys):
    started = time.perf_counter()
    preview = report_preview(parse_report(report_text), resolve=resolve)
    elapsed = time.perf_counter() - started
    cur = curated(settings.FIXTURES_DIR)
    assert len(cur.cases) >= 60 and len(cur.policies) >= 80, "curated 003 rows changed shape"

    m = measure(preview, cur, resolve.head_office, product=False)
    with capsys.disabled():
        print(
            f"\nreport parser on 003: case rows recall = {m.case_recall:.3f} "
            f"({m.cases_right}/{m.cases_curated}), "
            f"policy items recall = {m.policy_recall:.3f} ({m.policies_right}/{m.policies_curated}), "
            f"precision = {m.precision:.3f} "
            f"({m.cases_right + m.policies_right}/{m.cases_drafted + m.policies_drafted}), "
            f"parse + preview {elapsed:.2f} s"
        )
        if m.misses:
            print("\n".join(m.misses))
    misses = "\n".join(m.misses)
    assert m.case_recall >= 0.95, misses
    assert m.policy_recall >= 0.95, misses
    assert m.precision >= 0.95, misses
    assert elapsed < 30
