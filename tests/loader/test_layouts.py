"""Issue 18 item 7: the importer measured on 003 set in many layouts (tests/loader/corpus/).

Each variant goes the way an upload goes: bytes → read_issue → parse_report → report_preview,
then against the curated fixtures (measure.py). One line per variant is printed, so CI logs
carry the figures. The "tabs" variant is the control: the corpus set back in 003's own layout
scores as 003 does.

What each variant must reach: table rows right on head office, date, amount and currency ≥ 0.98
(recall and precision); with the product's name too ≥ 0.80 (the curators named seven of 003's
products otherwise than their cells, so 003's own text reaches 0.89: the figure is printed for
each variant); policy items ≥ 0.95 and no fewer than 003's own less one; 表8 figures no fewer than
003's text gives, less two; read and parsed in under 30 seconds."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from loader.report import ReportFileError, ReportFormatError, parse_report, report_preview
from loader.report.source import read_issue
from tests.loader.corpus.extract import extract_issue
from tests.loader.corpus.variants import VARIANTS
from tests.loader.measure import curated, measure

SAME = ("head_office", "province", "city", "date", "amount", "currency")


@pytest.fixture
def baseline(report_text, resolve):
    """003's own text, read and measured the same way: what a layout of the same issue can reach,
    and the drafts every layout must make again."""
    preview = report_preview(parse_report(read_issue(report_text.encode("utf-8"))), resolve=resolve)
    m = measure(preview, curated(settings.FIXTURES_DIR), resolve.head_office)
    m.drafts = {d["locator"]: d for d in preview["cases"]}
    return m


@pytest.mark.django_db
@pytest.mark.parametrize("name", VARIANTS)
def test_layout(name, corpus, seeds_dir, resolve, baseline, capsys):
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
    # Differential: every table row of every table (measured or not) drafted as from 003's text.
    drafts = {d["locator"]: d for d in report_preview(report, resolve=resolve)["cases"]}
    assert drafts.keys() == baseline.drafts.keys()
    differ = [
        (loc, f, baseline.drafts[loc][f], d[f])
        for loc, d in drafts.items()
        for f in SAME
        if d[f] != baseline.drafts[loc][f]
    ]
    assert not differ, differ
    assert m.row_recall >= 0.98, misses
    assert m.row_precision >= 0.98, misses
    assert m.case_recall >= 0.80, misses
    assert m.policy_recall >= 0.95 and m.policies_right >= baseline.policies_right - 1, misses
    assert m.figures_right >= baseline.figures_right - 2
    assert elapsed < 30
