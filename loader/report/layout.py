"""What a reader makes of an issue, whatever the file was: running text in reading order and tables
as rows of cells. The parsers (tables.py, items.py) read only this, so a new way of setting an
issue (another PDF layout, another text export) is a new reader, not a branch in a parser.

Pure Python (no Django): readers and parsers run on a file alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .text import norm


@dataclass
class Line:
    """One line of running text (not a table row), in reading order."""

    no: int  # 1-based line number in Layout.text
    raw: str  # as read, verbatim (excerpts are cut from it)
    page: int | None = None
    text: str = ""  # normalised (norm), stripped: what matching runs on

    def __post_init__(self) -> None:
        if not self.text:
            self.text = norm(self.raw).strip()


@dataclass
class Row:
    """One table row: a cell per column of the table's header, each the cell's lines joined in
    reading order (verbatim apart from the line breaks inside a cell)."""

    cells: list[str]
    line: int  # 1-based line number in Layout.text where the row starts
    page: int | None = None
    # A verbatim piece of Layout.text (one line's part of the description) to cut the row's excerpt
    # from; empty: the description cell itself, which is then verbatim (a PDF row's own line).
    excerpt_from: str = ""


@dataclass
class Table:
    """One table of the issue, all its pages joined: the header once, rows in order."""

    number: int | None  # N of its caption 表N; None when no caption was found
    caption: str  # the caption as written, e.g. "表 1 2024年5月中小企业信贷业务创新汇总"
    header: list[str]  # one name per column, as written (spaces removed)
    rows: list[Row] = field(default_factory=list)
    line: int = 0  # the caption's line number in Layout.text
    page: int | None = None
    # Lines inside the table that the reader could not place in any row (reported, not guessed).
    unplaced: list[Line] = field(default_factory=list)
    # How many lines of text the table covered: the base for "needs attention" (share unplaced).
    source_lines: int = 0


@dataclass
class Layout:
    """An issue as read: `text` is what excerpts are checked against (a text file's own text; for
    a PDF the text the reader read from it, rows written one per line with cells separated by
    tabs); `lines` is the running text, table captions included, table rows not."""

    kind: str  # "text" or "pdf"
    text: str
    lines: list[Line]
    tables: list[Table]
    pages: int = 0
    # What the reader noticed about the file as a whole (e.g. "3 tables without rules").
    notes: list[str] = field(default_factory=list)
