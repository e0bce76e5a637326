"""The corpus's own extraction of 003 (tests/loader/corpus/extract.py) checked against the
curated fixtures: a layout made from wrong tables would measure the readers against the wrong
answer."""

from __future__ import annotations

from django.conf import settings

from tests.loader.corpus.extract import extract_issue, flat
from tests.loader.measure import curated


def test_tables_have_the_curated_rows(seeds_dir):
    """表1/3/5/7: as many rows as the curated `表N row K` locators count, and each curated row's
    excerpt (verbatim from 003) found in the row the extractor numbered K."""
    issue = extract_issue(seeds_dir)
    tables = {t.number: t for t in issue.tables}
    assert sorted(tables) == list(range(1, 9))
    cur = curated(settings.FIXTURES_DIR)
    for n in (1, 3, 5, 7):
        locs = [int(loc.rsplit(" ", 1)[1]) for loc in cur.cases if loc.startswith(f"表{n} row ")]
        assert len(tables[n].rows) == max(locs), f"表{n}: {len(tables[n].rows)} rows, curated {max(locs)}"
        for k, row in enumerate(tables[n].rows, start=1):
            assert row.cells[0], f"表{n} row {k} has no institution: {row.cells}"
            text = flat("".join(row.cells))
            for c in cur.cases.get(f"表{n} row {k}", []):
                # The first words of the excerpt: a row cut or merged wrongly loses or moves them.
                head = flat(c["sources"][0]["excerpt"])[:16]
                assert head in text, f"表{n} row {k}: {head!r} not in {row.cells}"


def test_every_table_has_header_caption_and_rows(seeds_dir):
    for t in extract_issue(seeds_dir).tables:
        assert t.caption.startswith(f"表 {t.number} ") and len(t.header) in (2, 3) and t.rows
        assert all(len(r.cells) == len(t.header) and r.cells[-1] for r in t.rows)
        assert t.source.startswith(("信息来源", "数据来源", "资料来源"))
