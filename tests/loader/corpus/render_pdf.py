"""003's content set as a PDF with reportlab, in one of five table styles.

Every style has the same issue around its tables: a title page (title, 2024年5月, publisher),
the running text as paragraphs, captions above the tables and source lines below, the title as
a running header and "第 N 页" as a footer on every page. Only the tables differ:

- grid: every cell boxed, narrow institution and product columns so names wrap, the header
  repeated on each page (as in every style), rows split across page breaks;
- booktabs: rules above and below the table and under its header only, no vertical rules; rows
  split across page breaks;
- serial: a 序号 column first, ruled, rows split across page breaks;
- centred: cells centred vertically and the description first (产品创新点 | 银行名称 | 新推金融产品),
  ruled, rows kept whole;
- plain: no rules at all, columns apart by white space only, rows kept whole.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from .extract import CHAPTER, HEADING, SECTION, Issue, Table, paragraphs

STYLES = ("grid", "booktabs", "serial", "centred", "plain")
FONT = "STSong-Light"
MARGIN = 15 * mm
WIDTH = A4[0] - 2 * MARGIN
# Narrow enough that most institution and product names wrap onto two or three lines.
BANK_W, PRODUCT_W, SERIAL_W = 19 * mm, 22 * mm, 10 * mm


def _styles() -> dict[str, ParagraphStyle]:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12.5, wordWrap="CJK", spaceAfter=2)
    return {
        "body": base,
        "title": ParagraphStyle("title", parent=base, fontSize=26, leading=36, alignment=TA_CENTER),
        "date": ParagraphStyle("date", parent=base, fontSize=14, leading=20, alignment=TA_CENTER),
        "chapter": ParagraphStyle(
            "chapter", parent=base, fontSize=15, leading=22, spaceBefore=10, spaceAfter=8
        ),
        "section": ParagraphStyle(
            "section", parent=base, fontSize=12, leading=18, spaceBefore=6, spaceAfter=4
        ),
        "item": ParagraphStyle("item", parent=base, fontSize=10.5, leading=16, spaceBefore=4),
        "caption": ParagraphStyle(
            "caption", parent=base, fontSize=10, leading=15, alignment=TA_CENTER, spaceBefore=6
        ),
        "source": ParagraphStyle("source", parent=base, fontSize=8.5, leading=12, spaceBefore=3),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12, spaceAfter=0),
    }


def render_pdf(issue: Issue, style: str) -> bytes:
    """The issue as an A4 PDF whose tables are set in `style` (one of STYLES)."""
    if style not in STYLES:
        raise ValueError(f"unknown table style {style!r}; one of {', '.join(STYLES)}")
    st = _styles()
    story: list = [Spacer(1, 60 * mm)]
    story += [Paragraph(escape(issue.title), st["title"]), Spacer(1, 20 * mm)]
    story += [Paragraph(escape(issue.date), st["date"]), Spacer(1, 10 * mm)]
    story += [Paragraph(escape(issue.publisher), st["date"]), PageBreak()]
    for block in issue.blocks:
        if isinstance(block, Table):
            story += _table(block, style, st)
        else:
            story.append(Paragraph(escape(block), st[_kind(block)]))

    def on_page(canvas, doc) -> None:
        # The running header and the page footer: page furniture a reader must drop.
        canvas.saveState()
        canvas.setFont(FONT, 9)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 11 * mm, issue.title)
        canvas.line(MARGIN, A4[1] - 13 * mm, A4[0] - MARGIN, A4[1] - 13 * mm)
        canvas.drawCentredString(A4[0] / 2, 9 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=issue.title,
        # A fixed creation date and id so the same corpus gives the same bytes.
        invariant=1,
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()


def _kind(text: str) -> str:
    if CHAPTER.match(text) and len(text) <= 40:
        return "chapter"
    if SECTION.match(text) and len(text) <= 90:
        return "section"
    if HEADING.match(text) and len(text) <= 90 and not text.endswith("。"):
        return "item"
    return "body"


def _cell(text: str, st: ParagraphStyle) -> Paragraph:
    return Paragraph("<br/>".join(escape(p) for p in paragraphs(text)) or "", st)


def _table(table: Table, style: str, st: dict[str, ParagraphStyle]) -> list:
    header, rows = list(table.header), [list(r.cells) for r in table.rows]
    widths = [BANK_W] + ([PRODUCT_W] if table.has_product else [])
    if style == "serial":
        header = ["序号", *header]
        rows = [[str(k), *r] for k, r in enumerate(rows, start=1)]
        widths = [SERIAL_W, *widths]
    widths.append(WIDTH - sum(widths))
    if style == "centred":
        # The description first: a reader must find the columns by their header, not by place.
        header = [header[-1], *header[:-1]]
        rows = [[r[-1], *r[:-1]] for r in rows]
        widths = [widths[-1], *widths[:-1]]
    data = [[_cell(c, st["cell"]) for c in header]] + [[_cell(c, st["cell"]) for c in r] for r in rows]
    commands: list[tuple] = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE" if style == "centred" else "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if style in ("grid", "serial", "centred"):
        commands.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
    elif style == "booktabs":
        commands += [
            # Wider gutters than the grid's, as such tables are usually set: without them the
            # two styles' text would be the same to a reader that ignores rules.
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ("LINEABOVE", (0, 0), (-1, 0), 1.2, colors.black),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
            ("LINEBELOW", (0, -1), (-1, -1), 1.2, colors.black),
        ]
    else:  # plain: white space between the columns is all a reader has
        commands += [("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 8)]
    # Rows split at page breaks (the rest of a row continues under the repeated header) in the
    # ruled styles and booktabs; reportlab splits between rows first unless splitByRow is off.
    split_rows = style in ("grid", "booktabs", "serial")
    grid = RLTable(
        data,
        colWidths=widths,
        repeatRows=1,
        splitByRow=0 if split_rows else 1,
        splitInRow=1 if split_rows else 0,
        style=TableStyle(commands),
    )
    caption = Paragraph(escape(table.caption), st["caption"])
    caption.keepWithNext = True
    out = [caption, grid]
    if table.source:
        out.append(Paragraph(escape(table.source), st["source"]))
    return out
