"""The report parser on 003 and on damaged copies of it made here (the documents are never copied
into the repository): rows broken across pages, lost cells, a shuffled table of contents, spaces
inside names and numbers, full-/half-width swaps. Pure Python: no database."""

from __future__ import annotations

import random
import re
import time

import pytest

from loader.report import ReportFormatError, parse_report, report_preview

WS = re.compile(r"\s+")
MEASURED = re.compile(r"^表[1357] row \d+$")


def _key(report):
    """What the curators rely on per row and per item."""
    cases = {
        c.locator: (c.institution, c.date, c.amount, c.currency)
        for c in report.cases
        if MEASURED.match(c.locator)
    }
    policies = {
        p.locator: (WS.sub("", p.heading), p.level, p.issued_date, p.province) for p in report.policies
    }
    return cases, policies


def _same(report, original) -> None:
    """Every measured row and item reads the same as on the undamaged text."""
    for got, want in zip(_key(report), _key(original), strict=True):
        diff = {k: (got.get(k), want[k]) for k in want if got.get(k) != want[k]}
        assert not diff and len(got) == len(want), diff


def _row_lines(lines: list[str]) -> list[int]:
    """Indices of table lines that hold a whole row: institution, product and a long description."""
    out = []
    for i, line in enumerate(lines):
        cells = line.split("\t")
        if len(cells) == 3 and cells[0].strip() and cells[1].strip() and len(cells[2]) > 40:
            out.append(i)
    return out


def _excerpts_in(report, text: str) -> None:
    flat = WS.sub("", text)
    for rec in [*report.cases, *report.policies, *report.metrics, *report.products]:
        assert 12 <= len(rec.excerpt) <= 80 or len(WS.sub("", rec.excerpt)) >= 12, rec
        assert WS.sub("", rec.excerpt) in flat, rec


@pytest.fixture
def original(report_text):
    return parse_report(report_text)


def test_003_meta_rows_and_items(original, report_text):
    assert (original.title, original.year, original.month) == ("中小企业金融产品与业务创新指引", 2024, 5)
    assert original.publisher == "北京世经未来投资咨询有限公司"
    tables = {c.locator.split()[0] for c in original.cases}
    assert {"表1", "表3", "表5", "表7"} <= tables
    assert sum(c.locator.startswith("表1 ") for c in original.cases) == 27
    assert sum(p.locator.startswith("第三章第一节 ") for p in original.policies) == 42
    assert sum(p.locator.startswith("第五章 ") for p in original.policies) == 40
    row2 = next(c for c in original.cases if c.locator == "表1 row 2")
    assert (row2.institution, row2.product, str(row2.amount), row2.currency) == (
        "工商银行浙江省衢州市江山支行",
        "浙科e贷",
        "1000000",
        "CNY",
    )
    assert {m.institution for m in original.metrics} >= {"中国工商银行", "华夏银行", "北京银行"}
    assert {p.name for p in original.products} >= {"数易贷", "绿票通", "辽科贷"}
    _excerpts_in(original, report_text)


def test_003_parses_well_under_30_seconds(report_text):
    started = time.perf_counter()
    parse_report(report_text)
    assert time.perf_counter() - started < 5


def test_rows_broken_across_pages(original, report_text):
    lines = report_text.splitlines()
    for i in reversed(_row_lines(lines)[::3]):
        inst, prod, desc = lines[i].split("\t")
        half = len(desc) // 2
        lines[i : i + 1] = [
            f"{inst}\t{prod}\t{desc[:half]}",
            "",
            "- 17 -",
            "",
            "",
            "中小企业金融产品与业务创新指引",
            "",
            f"\t\t{desc[half:]}",
        ]
    damaged = "\n".join(lines)
    report = parse_report(damaged)
    _same(report, original)
    _excerpts_in(report, damaged)


def test_missing_cells(original, report_text):
    lines = report_text.splitlines()
    for n, i in enumerate(_row_lines(lines)[::2]):
        inst, prod, desc = lines[i].split("\t")
        # Every other damaged row loses the product cell's text, the rest the cell itself.
        lines[i] = f"{inst}\t\t{desc}" if n % 2 else f"{inst}\t{desc}"
    report = parse_report("\n".join(lines))
    _same(report, original)


def test_shuffled_table_of_contents(original, report_text):
    lines = report_text.splitlines()
    start = next(i for i, line in enumerate(lines) if WS.sub("", line) == "目录")
    end = max(i for i, line in enumerate(lines) if line.startswith("第一章"))
    block = lines[start + 1 : end]
    random.Random(9).shuffle(block)
    report = parse_report("\n".join(lines[: start + 1] + block + lines[end:]))
    _same(report, original)


def test_spaces_inside_names_and_numbers(original, report_text):
    lines = report_text.splitlines()
    for i in _row_lines(lines):
        inst, prod, desc = lines[i].split("\t")
        inst = inst.replace(" ", "")
        desc = re.sub(r"(\d)(万|亿)", r"\1 \2", desc)
        desc = re.sub(r"(\d)\.(\d)", r"\1. \2", desc)
        lines[i] = f"{inst[:3]} {inst[3:]}\t{prod}\t{desc}"
    damaged = "\n".join(lines)
    report = parse_report(damaged)
    _same(report, original)
    _excerpts_in(report, damaged)


def test_full_and_half_width_swaps(original, report_text):
    full = str.maketrans({**{str(d): chr(0xFF10 + d) for d in range(10)}, ",": "，", "(": "（", ")": "）"})
    lines = report_text.splitlines()
    for i in _row_lines(lines):
        lines[i] = lines[i].translate(full)
    for i, line in enumerate(lines):
        if re.match(r"^[一二三四五六七八九十]+、", line) and i % 2:
            lines[i] = line.replace("、", ",", 1)
    damaged = "\n".join(lines)
    report = parse_report(damaged)
    _same(report, original)
    _excerpts_in(report, damaged)


def test_preview_has_the_documented_shape(original):
    preview = report_preview(original)
    assert set(preview) == {"document", "cases", "policies", "metrics", "unparsed"}
    assert set(preview["cases"][0]) == {
        "locator", "institution", "head_office", "province", "city", "product", "date", "amount", "currency",
        "excerpt",
    }  # fmt: skip
    assert set(preview["policies"][0]) == {
        "locator", "heading", "document_title", "issuer", "level", "province", "city", "issued_date", "excerpt",
    }  # fmt: skip
    assert all(set(u) == {"line", "text"} for u in preview["unparsed"])


def test_lines_it_cannot_place_are_listed_with_their_numbers(report_text):
    lines = report_text.splitlines()
    caption = max(i for i, line in enumerate(lines) if line.startswith("表 1 "))
    lines.insert(caption + 1, "无法识别的一行 ###")
    report = parse_report("\n".join(lines))
    assert (caption + 2, "无法识别的一行 ###") in report.unparsed


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("   \n\n", "empty"),
        ("某公司年度报告\n\n2023年12月\n\n第一部分 概述\n正文。", "not an issue"),
        ("随便一段文字,没有标题页。", "title page"),
    ],
)
def test_not_this_layout_is_a_clear_error(text, problem):
    with pytest.raises(ReportFormatError, match=problem):
        parse_report(text)


def test_another_seed_document_is_refused(seeds_dir):
    other = sorted(p for p in seeds_dir.glob("*.txt") if not p.name.startswith("003_"))
    assert other
    with pytest.raises(ReportFormatError):
        parse_report(other[0].read_text(encoding="utf-8"))
