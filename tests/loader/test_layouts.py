"""Issue 18 item 7: the importer measured on 003 set in many layouts (tests/loader/corpus/).

Each variant goes the way an upload goes: bytes → read_issue → parse_report → report_preview,
then against the curated fixtures (measure.py). One line per variant is printed, so CI logs
carry the figures. Variants fail until a reader handles their layout: that is the point. The
"tabs" variant is the control: the corpus set back in 003's own layout must score as 003 does."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from loader.report import ReportFileError, ReportFormatError, parse_report, report_preview
from loader.report.source import read_issue
from tests.loader.corpus.extract import extract_issue
from tests.loader.corpus.variants import VARIANTS
from tests.loader.measure import curated, measure


@pytest.mark.django_db
@pytest.mark.parametrize("name", VARIANTS)
def test_layout(name, corpus, seeds_dir, resolve, capsys):
    data = corpus(name)
    started = time.perf_counter()
    try:
        layout = read_issue(data)
        report = parse_report(layout)
    except (ReportFileError, ReportFormatError) as exc:
        with capsys.disabled():
            print(f"\n{name:<16} refused: {exc}")
        pytest.fail(f"{name}: refused: {exc}")
    elapsed = time.perf_counter() - started
    m = measure(report_preview(report, resolve=resolve), curated(settings.FIXTURES_DIR), resolve.head_office)
    # For the readers' authors: how many table rows the reader itself made, against the corpus.
    expected = {t.number: len(t.rows) for t in extract_issue(seeds_dir).tables}
    read: dict[int, int] = {}
    for t in layout.tables:
        if t.number in expected:
            read[t.number] = read.get(t.number, 0) + len(t.rows)
    rows = f"reader's table rows {sum(read.values())}/{sum(expected.values())} in {len(read)}/{len(expected)} tables"
    with capsys.disabled():
        print(f"\n{m.line(name, elapsed)}, {rows}")
    misses = "\n".join(m.misses)
    assert m.case_recall >= 0.98, misses
    assert m.case_precision >= 0.98, misses
    assert m.policy_recall >= 0.98, misses
    assert elapsed < 30
