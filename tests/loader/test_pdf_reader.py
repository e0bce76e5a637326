"""The PDF reader (loader/report/readers/pdf.py) on small PDFs made here with reportlab: tables
read from their geometry (rules, or word positions when there are none), page furniture dropped,
and bad files refused with a reason. The text is made up (no issue's text is committed)."""

from __future__ import annotations

import io
import re
import time

import pytest
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from loader.report.errors import ReportFileError
from loader.report.layout import Layout
from loader.report.readers.pdf import read_pdf

FONT = "STSong-Light"
TITLE = "中小企业金融产品与业务创新指引"
HEADER = ["银行机构", "产品名称", "业务介绍"]
BANKS = ["交通银行湖南省分行", "上海银行", "中国民生银行呼和浩特分行", "农发行西藏分行", "浙商银行"]


def _rows(n: int, more: int = 0) -> list[list[str]]:
    """n made-up rows; descriptions of one to four lines (`more` sentences longer), some Latin
    words and numbers in them."""
    rows = []
    for i in range(n):
        desc = f"2024年5月{i % 28 + 1}日,某银行成功落地首笔 BOO project loan 贷款 3.04 亿元"
        desc += f"，该行第{i}次推进普惠金融。" * (i % 4 + more)
        rows.append(
            [BANKS[i % len(BANKS)], f"民生惠·抵押贷 AB {i} 号" if i % 7 else "", desc + "，星力•未来。"]
        )
    return rows


def _styles() -> dict[str, ParagraphStyle]:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return {
        "body": ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK"),
        "cell": ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=10, wordWrap="CJK"),
    }


def _issue(
    style: str = "grid",
    n: int = 12,
    *,
    split_rows: bool = True,
    valign: str = "TOP",
    more: int = 0,
    space: float = 0,
    header: list[str] = HEADER,
    padding: float = 3,
) -> bytes:
    """Running text, then 表 1 set in `style` (grid: every cell ruled; booktabs: rules above and
    below only; plain: none), its source line, more text, and 表8 written as text. The bank column
    is narrow so 交通银行湖南省分行 wraps; a running header and a `第 N 页` footer on every page."""
    st = _styles()
    story = [
        Paragraph("第一章 中小企业综合业务创新", st["body"]),
        Paragraph("一、案例引入:数字资产质押贷款悄然兴起", st["body"]),
        Paragraph("正文开始，这是一段说明文字。" * 20, st["body"]),
        Spacer(1, space),  # pushes the caption down the page (to its foot: the table starts overleaf)
        Paragraph("表 1 2024年5月中小企业信贷业务创新汇总", st["body"]),
    ]
    data = [[Paragraph(c, st["cell"]) for c in row] for row in [header, *_rows(n, more)]]
    commands: list[tuple] = [
        ("VALIGN", (0, 0), (-1, -1), valign),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
    ]
    if style == "grid":
        commands.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
    elif style == "booktabs":
        commands += [
            ("LINEABOVE", (0, 0), (-1, 0), 1, colors.black),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
            ("LINEBELOW", (0, -1), (-1, -1), 1, colors.black),
        ]
    table = RLTable(
        data,
        colWidths=[60, 80, 300],
        repeatRows=1,
        splitByRow=0 if split_rows else 1,
        splitInRow=1 if split_rows else 0,
        style=TableStyle(commands),
    )
    story += [
        table,
        Paragraph("信息来源:公开资料、世经未来整理", st["body"]),
        Paragraph("正文继续，表后的说明文字。" * 30, st["body"]),
        Paragraph("表8 部分银行小微信贷业务规模动态", st["body"]),
        Paragraph("截至2024年4月末，某银行制造业贷款余额突破4万亿元，较年初增长。" * 3, st["body"]),
    ]

    def furniture(c, doc) -> None:
        c.saveState()
        c.setFont(FONT, 8)
        c.drawCentredString(A4[0] / 2, A4[1] - 40, TITLE)
        c.drawCentredString(A4[0] / 2, 30, f"第 {doc.page} 页")
        c.restoreState()

    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build(story, onFirstPage=furniture, onLaterPages=furniture)
    return out.getvalue()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _check_numbering(layout: Layout) -> None:
    """Every Line.no and Row.line is that line's number in Layout.text."""
    text = layout.text.splitlines()
    for line in layout.lines:
        assert text[line.no - 1] == line.raw
    for table in layout.tables:
        for row in table.rows:
            assert text[row.line - 1] == "\t".join(row.cells)
        assert text[table.line - 1] == table.caption


@pytest.mark.parametrize("style", ["grid", "booktabs", "plain"])
def test_table_rows_and_cells(style):
    n = 40  # over two pages: the table goes on, its header repeated, a row split (ruled styles)
    layout = read_pdf(_issue(style, n, split_rows=style != "plain"))
    assert layout.kind == "pdf" and layout.pages >= 2
    (table,) = layout.tables
    assert (table.number, table.caption) == (1, "表 1 2024年5月中小企业信贷业务创新汇总")
    assert table.header == HEADER
    assert [[_squash(c) for c in row.cells] for row in table.rows] == [
        [_squash(c) for c in row] for row in _rows(n)
    ]
    # the wrapped bank name (交通银行湖南 / 省分行) is one cell, CJK joined without a space
    assert table.rows[0].cells[0] == "交通银行湖南省分行"
    # spaces between Latin words and numbers are kept
    assert "BOO project loan" in table.rows[0].cells[2]
    assert {row.page for row in table.rows} == {1, 2}
    _check_numbering(layout)


def test_running_text_and_page_furniture():
    layout = read_pdf(_issue("grid", 40))
    texts = [line.text for line in layout.lines]
    assert texts[:2] == ["第一章 中小企业综合业务创新", "一、案例引入:数字资产质押贷款悄然兴起"]
    assert TITLE not in texts  # the running header
    assert not any(re.fullmatch(r"第 ?\d+ ?页", t) for t in texts)  # the footers
    assert "信息来源:公开资料、世经未来整理" in texts
    # table rows are not running text, and the header is not a row
    assert not any("交通银行湖南" in t for t in texts)
    assert all(row.cells != HEADER for row in layout.tables[0].rows)
    # 表8 followed by a paragraph is running text, not a table
    i = texts.index("表8 部分银行小微信贷业务规模动态")
    assert texts[i + 1].startswith("截至2024年4月末")
    assert [t.number for t in layout.tables] == [1]
    _check_numbering(layout)


@pytest.mark.parametrize("style", ["grid", "booktabs"])
def test_row_split_across_pages_is_one_row(style):
    """Long rows, one of them cut by the page break (splitInRow): it is one Row, on the page where
    it starts, and the header repeated over its second part is not a row or part of one."""
    rows = _rows(12, more=12)
    data = _issue(style, 12, more=12)
    layout = read_pdf(data)
    read = layout.tables[0].rows
    assert [[_squash(c) for c in r.cells] for r in read] == [[_squash(c) for c in row] for row in rows]
    # the PDF really splits a row: its last row on page 1 goes on at the top of page 2
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        running_header, header, top = pdf.pages[1].extract_text().splitlines()[:3]
    assert _squash(header) == "".join(HEADER)
    assert "2024年" not in top  # no new row (each starts with its date): the rest of one
    last = [r for r in read if r.page == 1][-1]
    assert _squash(top) in _squash(last.cells[2])


def test_header_cell_with_a_space_in_a_table_without_rules():
    """A gap inside a header cell (银行 机构) looks like a gutter until the rows cross it."""
    layout = read_pdf(_issue("plain", 20, split_rows=False, header=["银行 机构", "产品名称", "业务 介绍"]))
    (table,) = layout.tables
    assert table.header == HEADER
    assert [[_squash(c) for c in r.cells] for r in table.rows] == [
        [_squash(c) for c in row] for row in _rows(20)
    ]


@pytest.mark.parametrize("style", ["grid", "plain"])
def test_caption_at_the_foot_of_the_page_before(style):
    """The caption ends page 1, the table starts on page 2: the caption is still the table's."""
    layout = read_pdf(_issue(style, 10, split_rows=False, more=2, space=530))
    (table,) = layout.tables
    assert (table.number, table.page) == (1, 1)
    assert table.header == HEADER
    assert {row.page for row in table.rows} == {2}
    assert [[_squash(c) for c in r.cells] for r in table.rows] == [
        [_squash(c) for c in row] for row in _rows(10, 2)
    ]
    _check_numbering(layout)


@pytest.mark.parametrize("style", ["booktabs", "plain"])
@pytest.mark.parametrize(("valign", "padding"), [("TOP", 3), ("MIDDLE", 3), ("BOTTOM", 3), ("TOP", 0)])
def test_rows_without_rules_whatever_the_cell_setting(style, valign, padding):
    """No vertical rules, cells at the top, centred or at the bottom of their row, with padding
    between rows (rows split at the wider gaps) or none (rows split where a column's cell is
    complete: its last line short or ending a sentence, and a new one starts). Not read: no
    padding with cells centred or at the bottom, when a row has an empty cell (a cell not started
    yet may be set lower in its row, or be the next row's)."""
    n = 40
    layout = read_pdf(_issue(style, n, split_rows=False, valign=valign, padding=padding))
    assert [[_squash(c) for c in r.cells] for r in layout.tables[0].rows] == [
        [_squash(c) for c in row] for row in _rows(n)
    ]


def _canvas_pdf(draw, **kwargs) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buf = io.BytesIO()
    c = pdfcanvas.Canvas(buf, **kwargs)
    draw(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def _text_page(c) -> None:
    c.setFont(FONT, 10)
    for k in range(40):
        c.drawString(50, 800 - 18 * k, "中小企业金融产品的发展情况，银行在年内推出了多项服务。" + str(k))


def _image(c, x: float, y: float, w: float, h: float) -> None:
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    c.drawImage(ImageReader(Image.new("RGB", (200, 100), "white")), x, y, w, h)


def _bad_pdfs() -> dict[str, tuple[bytes, str]]:
    from reportlab.lib import pdfencrypt

    good = _canvas_pdf(_text_page)

    def table_image(c) -> None:
        c.setFont(FONT, 10)
        c.drawString(50, 780, "表 2 部分银行数据资产质押贷款业务梳理")
        _image(c, 50, 500, 400, 270)

    def scan(c) -> None:
        _image(c, 0, 0, A4[0], A4[1])

    def stamped_scan(c) -> None:
        for page in (1, 2):
            _image(c, 0, 40, A4[0], A4[1] - 40)
            c.setFont(FONT, 9)
            c.drawString(280, 20, f"第 {page} 页")
            if page == 1:
                c.showPage()

    def latin1(c) -> None:
        c.setFont("Helvetica", 10)
        for k in range(40):
            c.drawString(50, 800 - 18 * k, "中小企业金融产品的发展情况".encode("gbk").decode("latin-1"))

    return {
        "truncated": (good[: len(good) // 2], "damaged or truncated"),
        "not-a-pdf-body": (b"%PDF-1.4\n" + b"\x00" * 400, "damaged or truncated"),
        "password": (_canvas_pdf(_text_page, encrypt=pdfencrypt.StandardEncryption("secret")), "encrypted"),
        "owner-password": (
            _canvas_pdf(_text_page, encrypt=pdfencrypt.StandardEncryption("", ownerPassword="o", canPrint=0)),
            "encrypted",
        ),
        "scan": (_canvas_pdf(scan), "no text layer"),
        "scan-with-page-numbers": (
            _canvas_pdf(stamped_scan),
            "2 of the PDF's 2 pages are images with no text layer",
        ),
        "table-image": (_canvas_pdf(table_image), "表2 on page 1 is an image with no text layer"),
        # the CID font's encoding swapped (same byte length): every glyph maps to the wrong character
        "wrong-cmap": (good.replace(b"/UniGB-UCS2-H", b"/Identity-H  "), "mojibake"),
        "gbk-as-latin1": (_canvas_pdf(latin1), "mojibake"),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "truncated",
        "not-a-pdf-body",
        "password",
        "owner-password",
        "scan",
        "scan-with-page-numbers",
        "table-image",
        "wrong-cmap",
        "gbk-as-latin1",
    ],
)
def test_bad_pdfs_refused_with_a_reason(kind):
    data, says = _bad_pdfs()[kind]
    with pytest.raises(ReportFileError, match=re.escape(says)):
        read_pdf(data)


def test_a_good_page_is_read():
    """The control for the bad files above: the same page, untouched, reads."""
    layout = read_pdf(_canvas_pdf(_text_page))
    assert len(layout.lines) == 40 and layout.tables == []


def test_speed():
    """24 pages of a table and text read well within the import's budget."""
    data = _issue("grid", 600)
    started = time.perf_counter()
    layout = read_pdf(data)
    elapsed = time.perf_counter() - started
    assert layout.pages >= 20
    assert len(layout.tables[0].rows) == 600
    assert elapsed < 15, elapsed


@pytest.mark.parametrize("style", ["grid", "booktabs", "serial", "centred", "plain"])
def test_corpus_tables_read_row_for_row(style, corpus, seeds_dir):
    """003's tables set in each corpus style (tests/loader/corpus): the reader's own rows, table by
    table, against the corpus's, cells equal once whitespace is removed. Columns are matched by
    their header, since serial adds 序号 and centred puts the description first."""
    from tests.loader.corpus.extract import extract_issue

    data = corpus(f"pdf-{style}")
    started = time.perf_counter()
    layout = read_pdf(data)
    elapsed = time.perf_counter() - started
    read = {t.number: t for t in layout.tables}
    for expected in extract_issue(seeds_dir).tables:
        table = read[expected.number]
        columns = [table.header.index(_squash(name)) for name in expected.header]
        got = [[_squash(row.cells[k]) for k in columns] for row in table.rows]
        assert got == [[_squash(c) for c in row.cells] for row in expected.rows], f"表{expected.number}"
    assert elapsed < 30, elapsed
