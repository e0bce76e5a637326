"""Issue 18 item 7: the importer measured on 003 set in many layouts (tests/loader/corpus/).

Each variant goes the way an upload goes: bytes → read_issue → parse_report → report_preview,
then against the curated fixtures (measure.py). One line per variant is printed, so CI logs
carry the figures. Variants fail until a reader handles their layout: that is the point."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from loader.report import parse_report, report_preview
from loader.report.source import read_issue
from tests.loader.corpus.variants import VARIANTS
from tests.loader.measure import curated, measure


@pytest.mark.django_db
@pytest.mark.parametrize("name", VARIANTS)
def test_layout(name, corpus, resolve, capsys):
    data = corpus(name)
    started = time.perf_counter()
    report = parse_report(read_issue(data))
    elapsed = time.perf_counter() - started
    m = measure(report_preview(report, resolve=resolve), curated(settings.FIXTURES_DIR), resolve.head_office)
    with capsys.disabled():
        print("\n" + m.line(name, elapsed))
    misses = "\n".join(m.misses)
    assert m.case_recall >= 0.98, misses
    assert m.case_precision >= 0.98, misses
    assert m.policy_recall >= 0.98, misses
    assert elapsed < 30
