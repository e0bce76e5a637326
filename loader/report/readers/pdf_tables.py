"""From a PDF's glyphs and rules (readers/pdf.py) to a Layout, by where things are on the page:

- ruled tables from their rules (pdfplumber's table finder, lines strategy): a cell is the area
  between rules, its text the glyphs inside, its lines joined in reading order;
- tables without rules (only top/bottom rules, or none) from the caption `表 N` down: columns from
  the vertical gutters no line crosses, rows from the vertical gaps between them (cell padding) or,
  when the gaps say nothing, where a column's cell is complete and a new one starts;
- a table goes on across pages: its repeated header is dropped, and a row cut by the page break
  (first cell empty on the new page, or a wrapped cell continuing mid-sentence) is joined;
- running headers and footers are dropped by where they sit (the first/last lines of a page) and
  by repeating on several pages (digits normalised, since page numbers differ).

Everything else is running text, one Line per visual line in reading order.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from ..layout import Layout, Line, Row, Table
from ..text import PAGE_NUMBER, SENTENCE_END, norm, squash

CAPTION = re.compile(r"^表\s*(\d+)(?!\d)")
# Lines that end a table without rules when they start in its first column: a source note, the
# next caption, a chapter/section heading, a numbered item or sub-item.
TABLE_END = re.compile(
    r"^((信息|数据|资料)来源|表\s*\d|第[一二三四五六七八九十]+[章节]|[一二三四五六七八九十]+、"
    r"|[(（][一二三四五六七八九十]+[)）]|附\s*录)"
)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Closing punctuation that CJK line breaking lets hang past the right edge of a column.
HANGING = set("，。、；：？！”’）》」』】〉,.;:?!)\"'")


@dataclass
class RawPage:
    """What pdfplumber finds on a page: glyphs, images, ruled tables (bbox, rows of cell bboxes)."""

    number: int
    width: float
    height: float
    chars: list[dict[str, Any]]
    images: list[dict[str, Any]]
    found: list[tuple[Any, list[list[Any]]]]


@dataclass
class _Line:
    """One visual line: glyphs sharing a baseline band, left to right."""

    chars: list[dict[str, Any]]
    page: int
    top: float
    bottom: float
    size: float
    text: str = ""

    @property
    def x0(self) -> float:
        return min(c["x0"] for c in self.chars if not c["text"].isspace())

    @property
    def x1(self) -> float:
        return max(c["x1"] for c in self.chars if not c["text"].isspace())


@dataclass
class _Grid:
    """A ruled table as found on one page: its rows of cells (each a list of _Line)."""

    page: int
    top: float
    bbox: tuple[float, float, float, float]
    xs: list[float]  # left edge of each column
    rows: list[list[list[_Line]]]
    stray: list[_Line]  # lines inside the table but in no cell


@dataclass
class _Page:
    number: int
    height: float
    lines: list[_Line]
    grids: list[_Grid]


@dataclass
class _Row:
    """A table row being built: per column, its lines (joined into cell text at the end)."""

    cells: list[list[_Line]]
    page: int
    line: int = 0


@dataclass
class _Table:
    number: int | None
    caption: _Line | None
    header: list[str]
    ruled: bool
    xs: list[float] = field(default_factory=list)  # column left edges (ruled)
    gutters: list[tuple[float, float]] = field(default_factory=list)  # (ruleless)
    size: float = 0.0  # body text size (ruleless)
    rows: list[_Row] = field(default_factory=list)
    stray: list[_Line] = field(default_factory=list)
    source_lines: int = 0
    header_line: int = 0
    body: list[_Line] = field(default_factory=list)  # the lines of its rows (ruleless)
    widest: list[float] = field(default_factory=list)  # right edge of each column's text
    hung: list[float] = field(default_factory=list)  # the same, of lines ending in punctuation


def layout_of(raw: list[RawPage]) -> Layout:
    """The pages' glyphs and ruled tables as a Layout: page furniture dropped, tables read, the
    running text and the rows numbered as lines of Layout.text."""
    pages = [_page(r) for r in raw]
    dropped = _drop_running_lines(pages)
    layout = _assemble(pages)
    if dropped:
        layout.notes.append(f"{dropped} running header/footer line(s) dropped")
    return layout


def _page(raw: RawPage) -> _Page:
    taken: set[int] = set()
    grids = [g for bbox, rows in raw.found if (g := _grid(raw, bbox, rows, taken)) is not None]
    rest = [c for i, c in enumerate(raw.chars) if i not in taken]
    return _Page(raw.number, raw.height, visual_lines(rest, raw.number), grids)


def _grid(raw: RawPage, bbox: tuple, rows: list, taken: set[int]) -> _Grid | None:
    """The glyphs inside one ruled box placed in its cells (those in no cell are its stray lines);
    None for a box around a paragraph. The glyphs it takes are added to `taken`."""
    xs = sorted({cell[0] for row in rows for cell in row if cell})
    if len(xs) < 2 or len(rows) < 1:
        return None  # a box around a paragraph, not a table
    x0, top, x1, bottom = bbox
    cells: list[list[list[dict]]] = [[[] for _ in xs] for _ in rows]
    stray = []
    for i, c in enumerate(raw.chars):
        if i in taken or not (x0 <= anchor(c) < x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom):
            continue
        taken.add(i)
        at = _cell_at(c, rows)
        if at is None:
            stray.append(c)
        else:
            cells[at[0]][xs.index(at[1])].append(c)
    grid_rows = [[visual_lines(cell, raw.number) for cell in row] for row in cells]
    grid_rows = [row for row in grid_rows if any(row)]
    if not grid_rows:
        return None
    return _Grid(raw.number, top, bbox, xs, grid_rows, visual_lines(stray, raw.number))


def _cell_at(c: dict, rows: list) -> tuple[int, float] | None:
    """(row index, the cell's left x) of the ruled cell a glyph sits in, or None."""
    cx, cy = anchor(c), (c["top"] + c["bottom"]) / 2
    for r, row in enumerate(rows):
        for cell in row:
            if cell and cell[0] <= cx < cell[2] and cell[1] <= cy < cell[3]:
                return r, cell[0]
    return None


def anchor(c: dict) -> float:
    """Where a glyph is placed for its column: just inside its left edge, not its middle, since
    closing punctuation may hang past the cell's right edge into the next column."""
    return c["x0"] + min(1.0, (c["x1"] - c["x0"]) / 4)


def visual_lines(chars: list[dict], page: int) -> list[_Line]:
    """Glyphs grouped into visual lines: a glyph joins the line whose middle is within half its
    height of its own (so cells set a little apart in height still read as one line)."""
    glyphs = sorted(chars, key=lambda c: (c["top"], c["x0"]))
    groups: list[list[dict]] = []
    mids: list[float] = []
    for c in glyphs:
        mid = (c["top"] + c["bottom"]) / 2
        if groups and abs(mid - mids[-1]) <= 0.45 * max(c["size"], 1):
            groups[-1].append(c)
            n = sum(1 for g in groups[-1] if not g["text"].isspace()) or 1
            if not c["text"].isspace():
                mids[-1] += (mid - mids[-1]) / n
        else:
            groups.append([c])
            mids.append(mid)
    out = []
    for group in groups:
        group.sort(key=lambda c: c["x0"])
        solid = [c for c in group if not c["text"].isspace()]
        if not solid:
            continue
        line = _Line(
            chars=group,
            page=page,
            top=min(c["top"] for c in solid),
            bottom=max(c["bottom"] for c in solid),
            size=median(c["size"] for c in solid),
        )
        line.text = _text(group)
        out.append(line)
    return out


def _text(chars: list[dict]) -> str:
    """Glyphs of one line as text: a space where the PDF has one, or where a gap wider than a
    space separates two glyphs (wider still between two CJK glyphs, which touch when set solid)."""
    out: list[str] = []
    prev = None
    for c in chars:
        t = c["text"]
        if t.isspace():
            if out and out[-1] != " ":
                out.append(" ")
            continue
        if prev is not None and out[-1] != " ":
            both_cjk = CJK.match(prev["text"]) and CJK.match(t)
            if c["x0"] - prev["x1"] > (1.0 if both_cjk else 0.25) * c["size"]:
                out.append(" ")
        out.append(t)
        prev = c
    return "".join(out).strip()


def _join(parts: list[str]) -> str:
    """The lines of one cell joined in reading order: no space after CJK (the line broke only for
    the width), a space between two Latin words or numbers."""
    out = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and part[0].isascii() and part[0].isalnum():
            out += " "
        out += part
    return out


# --- running headers and footers -------------------------------------------------------------


def _drop_running_lines(pages: list[_Page]) -> int:
    """Drop the first/last lines of a page that sit in its outer bands and repeat on several pages
    (digits normalised: `第 3 页` and `第 4 页` are one footer), and bare page numbers there."""

    def key(line: _Line) -> str:
        return re.sub(r"\d+", "#", squash(norm(line.text)))

    candidates = []
    for page in pages:
        lines = sorted(page.lines, key=lambda ln: ln.top)
        edge = {id(ln): ln for ln in lines[:2] + lines[-2:]}
        for ln in edge.values():
            if ln.top < 0.15 * page.height:
                candidates.append((page, ln, "top"))
            elif ln.bottom > 0.85 * page.height:
                candidates.append((page, ln, "bottom"))
    seen = Counter()
    for band, k, _ in {(band, key(ln), page.number) for page, ln, band in candidates}:
        seen[band, k] += 1
    enough = max(2, math.ceil(0.3 * len(pages)))
    dropped = 0
    for page, ln, band in candidates:
        if PAGE_NUMBER.match(norm(ln.text).strip()) or seen[band, key(ln)] >= enough:
            page.lines.remove(ln)
            dropped += 1
    return dropped


# --- tables and running text -----------------------------------------------------------------


def _is_caption(obj: Any) -> bool:
    return isinstance(obj, _Line) and bool(CAPTION.match(norm(obj.text).strip()))


@dataclass
class _Walk:
    """The pages walked in reading order: what was read so far, and what the previous page left open."""

    out: list[tuple[str, Any]] = field(default_factory=list)  # ("line"|"header"|"row"|"stray", obj)
    tables: list[_Table] = field(default_factory=list)
    open_table: _Table | None = None  # the table the previous page ended in
    waiting: _Line | None = None  # a caption that ended the previous page

    def ruleless(self, caption: _Line, objs: list, i: int) -> int:
        """A table without rules under `caption` from objs[i]; how many lines it took."""
        table = _start_ruleless(caption, objs, i, self.out)
        if not table:
            return 0
        self.tables.append(table)
        self.open_table = table
        return table.source_lines

    def page_start(self, objs: list) -> int:
        """A page starting in running lines may go on with the table (or the caption) the previous
        page ended in; returns how many of its objects that took."""
        if not objs or not isinstance(objs[0], _Line):
            return 0
        if self.open_table and not self.open_table.ruled:
            return _take_rows(self.open_table, objs, 0, self.out)
        if self.waiting is not None:
            return self.ruleless(self.waiting, objs, 0)
        return 0

    def grid(self, objs: list, i: int) -> int:
        """A ruled grid: the rest of the table the previous page ended in, or a new table."""
        obj = objs[i]
        cont = self.open_table if i == 0 and self.open_table and self.open_table.ruled else None
        if cont and _same_columns(cont, obj):
            _grid_rows(cont, obj, self.out, continued=True)
            table = cont
        else:
            caption = _caption_before(self.out)
            m = CAPTION.match(norm(caption.text).strip()) if caption else None
            table = _Table(int(m.group(1)) if m else None, caption, [], ruled=True, xs=obj.xs)
            self.tables.append(table)
            _grid_rows(table, obj, self.out, continued=False)
        self.open_table = table
        return i + 1 + _grid_tail(table, obj, objs, i + 1, self.out)

    def line(self, objs: list, i: int) -> int:
        """A running line; a caption followed by lines may start a table without rules."""
        obj = objs[i]
        self.open_table = None
        self.out.append(("line", obj))
        i += 1
        if _is_caption(obj) and i < len(objs) and isinstance(objs[i], _Line):
            i += self.ruleless(obj, objs, i)
        return i


def _reading_order(page: _Page) -> list:
    """A page's grids and lines top to bottom (a grid before a line at the same height)."""
    items: list[tuple[float, int, Any]] = [(g.top, 0, g) for g in page.grids]
    items += [(ln.top, 1, ln) for ln in page.lines]
    items.sort(key=lambda it: (it[0], it[1]))
    return [it[2] for it in items]


def _assemble(pages: list[_Page]) -> Layout:
    """Walk the pages in reading order: running lines, ruled grids, and tables without rules that
    start under a caption; continue a table across pages; then number the lines of the text."""
    walk = _Walk()
    for page in pages:
        objs = _reading_order(page)
        i = walk.page_start(objs)
        while i < len(objs):
            i = walk.grid(objs, i) if isinstance(objs[i], _Grid) else walk.line(objs, i)
        walk.waiting = objs[-1] if objs and _is_caption(objs[-1]) else None
    return _layout(pages, walk.out, walk.tables)


def _caption_before(out: list[tuple[str, Any]]) -> _Line | None:
    """The caption `表 N` just above a table: the running line before it, or the one before that
    (a unit or note line may sit between)."""
    for kind, obj in reversed(out[-2:]):
        if kind != "line":
            return None  # a table's rows: its caption is not this one's
        if CAPTION.match(norm(obj.text).strip()):
            return obj
    return None


def _same_columns(table: _Table, grid: _Grid) -> bool:
    return len(table.xs) == len(grid.xs) and all(
        abs(a - b) < 3 for a, b in zip(table.xs, grid.xs, strict=True)
    )


def _cell_texts(cells: list[list[_Line]]) -> list[str]:
    return [_join([ln.text for ln in cell]) for cell in cells]


def _grid_rows(table: _Table, grid: _Grid, out: list, *, continued: bool) -> None:
    rows = grid.rows
    table.source_lines += sum(len(max(row, key=len)) for row in rows) + len(grid.stray)
    if not continued:
        table.header = [squash(t) for t in _cell_texts(rows[0])]
        out.append(("header", table))
        rows = rows[1:]
    _widen(table, rows)
    first = True
    for cells in rows:
        row = _Row(cells=[list(c) for c in cells], page=grid.page)
        _strip_header(table, row)  # the header repeated on a new page, or drawn again in a row
        if not any(row.cells):
            continue
        if continued and first and table.rows and _continues(table, table.rows[-1], row):
            _merge(table.rows[-1], row)
        else:
            table.rows.append(row)
            out.append(("row", row))
        first = False
    for line in grid.stray:
        table.stray.append(line)
        out.append(("stray", line))


def _grid_tail(table: _Table, grid: _Grid, objs: list, i: int, out: list) -> int:
    """Lines right under a ruled table that keep to its columns: the first part of a row split by
    the page break, which reportlab sets below the table's last rule. Read as a table without
    rules whose gutters are the column rules; returns how many lines it took."""
    if i >= len(objs) or not isinstance(objs[i], _Line):
        return 0
    first = objs[i]
    if first.top - grid.bbox[3] > 1.5 * first.size or first.x0 < grid.bbox[0] or first.x1 > grid.bbox[2]:
        return 0
    table.gutters = [(x - 1.0, x + 1.0) for x in grid.xs[1:]]
    # reportlab sets only the one row it splits there: the lines are that row, not rows to split
    return _take_rows(table, objs, i, out, join_first=False, one_row=True)


def _widen(table: _Table, rows: list[list[list[_Line]]]) -> None:
    """Track the right edge of each column's text: a line reaching it is full (the cell wraps).
    Lines ending in closing punctuation are left out: it may hang past the edge, which would
    make every other line look short."""
    for cells in rows:
        table.widest += [0.0] * (len(cells) - len(table.widest))
        table.hung += [0.0] * (len(cells) - len(table.hung))
        for k, cell in enumerate(cells):
            for ln in cell:
                if ln.text[-1] in HANGING:
                    table.hung[k] = max(table.hung[k], ln.x1)
                else:
                    table.widest[k] = max(table.widest[k], ln.x1)


def _full_at(table: _Table, row: _Row, k: int, *, ended: bool = True) -> bool:
    """Cell k of the row ends in a full line (as wide as its column's widest): it wraps on."""
    cell = row.cells[k]
    if not cell or (ended and SENTENCE_END.search(cell[-1].text)):
        return False
    # a wrapped line stops short of the edge by less than the glyph that did not fit
    edge = table.widest[k] or table.hung[k]
    return cell[-1].x1 >= edge - 1.5 * cell[-1].size


def _continues(table: _Table, prev: _Row, row: _Row) -> bool:
    """The first row on a new page is the rest of the row the previous page ended in: in a ruled
    table when its first cell is empty (a new row has its own); without rules when its first cell
    is empty and the cells it writes in end in full lines above, or when every cell it writes in
    goes on mid-sentence from a full line (a wrapped first cell: 交通银行湖南省 / 分行)."""
    written = [k for k, cell in enumerate(row.cells) if cell]
    if not written:
        return False
    if not row.cells[0] and (table.ruled or all(_full_at(table, prev, k, ended=False) for k in written)):
        return True
    return all(_full_at(table, prev, k) for k in written)


def _goes_on(table: _Table, prev: _Row, row: _Row) -> bool:
    """A line in a table whose gaps say nothing (no padding between rows) goes on in the row above
    unless it writes in a column whose cell there is complete (its last line short, or ending a
    sentence): that cell is done, so this is the next row's. A cell not started yet is one set
    lower in its row (centred or at the bottom)."""
    return not any(prev.cells[k] and not _full_at(table, prev, k) for k, cell in enumerate(row.cells) if cell)


def _merge(prev: _Row, row: _Row) -> None:
    for k, cell in enumerate(row.cells):
        prev.cells[k].extend(cell)


def _gutters(line: _Line, gap: float) -> list[tuple[float, float]]:
    """The gaps of at least `gap` between the glyphs of a line (a header row): candidate columns."""
    solid = sorted((c for c in line.chars if not c["text"].isspace()), key=lambda c: c["x0"])
    out = []
    right = solid[0]["x1"]
    for c in solid[1:]:
        if c["x0"] - right >= gap:
            out.append((right, c["x0"]))
        right = max(right, c["x1"])
    return out


def _narrow(gutters: list[tuple[float, float]], line: _Line) -> list[tuple[float, float] | None]:
    """The gutters left open by one more line: each narrowed to the widest gap the line leaves in
    it, or None where the line crosses it."""
    # Half a glyph: closing punctuation may hang past a column's edge (CJK line breaking).
    spans = sorted((c["x0"], (c["x0"] + c["x1"]) / 2) for c in line.chars if not c["text"].isspace())
    out: list[tuple[float, float] | None] = []
    for a, b in gutters:
        free = [(a, b)]
        for x0, x1 in spans:
            if x1 <= a or x0 >= b:
                continue
            free = [p for lo, hi in free for p in ((lo, min(hi, x0)), (max(lo, x1), hi)) if p[1] > p[0]]
        best = max(free, key=lambda p: p[1] - p[0], default=None)
        out.append(best if best is not None and best[1] - best[0] >= 1.0 else None)
    return out


def _ends_table(table: _Table, line: _Line) -> bool:
    """A source note, caption, heading or numbered item starting in the first column, or a line
    in another type size, is not a row."""
    if line.x0 < table.gutters[0][0] and TABLE_END.match(squash(norm(line.text))):
        return True
    return bool(table.size) and abs(line.size - table.size) > 1.5


def _start_ruleless(caption: _Line, objs: list, i: int, out: list) -> _Table | None:
    """A table without rules under caption `表 N`: the next line (its header's first line) has
    wide gaps, its columns; lines follow while none crosses the gutters."""
    first = objs[i]
    gutters = _gutters(first, max(0.9 * first.size, 4.0))
    if not gutters or TABLE_END.match(squash(norm(first.text))):
        return None  # running text under the caption (表8 written as text): not a table
    m = CAPTION.match(norm(caption.text).strip())
    table = _Table(int(m.group(1)), caption, [], ruled=False, gutters=gutters)
    if not _take_rows(table, objs, i, out):
        return None
    return table


def _fitting_lines(table: _Table, objs: list, i: int, starts: bool) -> tuple[list[_Line], list]:
    """The lines from objs[i] that keep to the table's gutters, and the gutters they leave open."""
    lines: list[_Line] = []
    gutters = table.gutters
    for line in objs[i:]:
        if not isinstance(line, _Line) or _ends_table(table, line):
            break
        narrowed = _narrow(gutters, line)
        if all(g is None for g in narrowed):
            break  # running text across the table's width: the table has ended
        if None in narrowed and not starts:
            break  # the columns are set (rows were read with them): not a row
        # While the table starts, a crossed gutter was a gap inside a header cell (产品 名称).
        gutters = [g for g in narrowed if g is not None]
        table.size = table.size or line.size
        lines.append(line)
    return lines, gutters


def _group_rows(table: _Table, lines: list[_Line], one_row: bool) -> list[_Row]:
    """Lines into rows: split at gaps wider than those inside a cell or, when the gaps are all
    alike, where a line writes in a column whose cell above is complete."""
    threshold = _row_gap(table.body)
    gaps = _gaps(lines)
    parts = [_Row(_split(table, [line]), line.page) for line in lines]
    _widen(table, [p.cells for p in parts])
    rows = parts[:1]
    for k in range(1, len(parts)):
        if one_row:
            new = False
        elif threshold is not None:
            new = gaps[k] > threshold
        else:
            new = not _goes_on(table, rows[-1], parts[k])
        if new:
            rows.append(parts[k])
        else:
            _merge(rows[-1], parts[k])
    return rows


def _take_rows(
    table: _Table, objs: list, i: int, out: list, *, join_first: bool = True, one_row: bool = False
) -> int:
    """The lines of a table without rules from objs[i:] on one page, as rows (the first its header
    when the table starts here); returns how many lines it took, 0 when none fit. Rows split at
    vertical gaps wider than those inside a cell or, when the gaps are all alike, where the first
    column gets a new value."""
    starts = not table.header
    lines, gutters = _fitting_lines(table, objs, i, starts)
    if not lines:
        return 0
    table.gutters = gutters
    table.source_lines += len(lines)
    table.body += lines
    rows = _group_rows(table, lines, one_row)
    if starts:
        table.header = [squash(t) for t in _cell_texts(rows.pop(0).cells)]
        out.append(("header", table))
    for row in rows:
        _strip_header(table, row)  # the header repeated on a new page, or drawn again in a row
    rows = [row for row in rows if any(row.cells)]
    for k, row in enumerate(rows):
        if k == 0 and join_first and not starts and table.rows and _continues(table, table.rows[-1], row):
            _merge(table.rows[-1], row)
        else:
            table.rows.append(row)
            out.append(("row", row))
    return len(lines)


def _gaps(lines: list[_Line]) -> list[float]:
    """The white space above each line down to the lowest glyph of the lines before it on its page
    (negative when it overlaps them: cells set at different heights); inf on a new page."""
    out = []
    floor = None
    for line in lines:
        if floor is None or line.page != floor[0]:
            out.append(math.inf)
            floor = (line.page, line.bottom)
        else:
            out.append(line.top - floor[1])
            floor = (line.page, max(floor[1], line.bottom))
    return out


def _row_gap(lines: list[_Line]) -> float | None:
    """The gap above which a new row starts: the middle of the widest jump between the gaps above
    lines (line spacing inside a cell vs. padding between rows); None when there is no clear
    jump."""
    gaps = sorted(g for g in _gaps(lines) if 0 <= g < math.inf)  # overlaps: cells set apart, no row break
    if len(gaps) < 2:
        return None
    jump, at = max((b - a, k) for k, (a, b) in enumerate(zip(gaps, gaps[1:], strict=False)))
    if jump < max(2.0, 0.25 * median(ln.size for ln in lines)):
        return None
    return (gaps[at] + gaps[at + 1]) / 2


def _split(table: _Table, lines: list[_Line]) -> list[list[_Line]]:
    """The glyphs of lines divided among the columns at the gutters' middles."""
    cuts = [(a + b) / 2 for a, b in table.gutters]
    cells: list[list[_Line]] = [[] for _ in range(len(cuts) + 1)]
    for line in lines:
        parts: list[list[dict]] = [[] for _ in cells]
        for c in line.chars:
            x = anchor(c)
            parts[sum(1 for cut in cuts if x > cut)].append(c)
        for k, part in enumerate(parts):
            if any(not c["text"].isspace() for c in part):
                cells[k] += visual_lines(part, line.page)
    return cells


def _strip_header(table: _Table, row: _Row) -> None:
    """A header drawn again (repeated on a new page, or inside a split row without a rule between,
    even overprinting the row's first line): each cell starting with its column's name, over one
    or more lines, loses it."""
    named = [k for k, h in enumerate(table.header) if h]
    if not named or len(row.cells) != len(table.header):
        return
    rest = {k: _drop_prefix(row.cells[k], table.header[k]) for k in named}
    if all(r is not None for r in rest.values()):
        for k, r in rest.items():
            row.cells[k] = r


def _drop_prefix(cell: list[_Line], prefix: str) -> list[_Line] | None:
    """The cell's lines without the glyphs spelling `prefix` at its start; None when it does not
    start with it."""
    out = list(cell)
    while prefix:
        if not out:
            return None
        solid = [c for c in out[0].chars if not c["text"].isspace()]
        head = "".join(c["text"] for c in solid)
        if prefix.startswith(head):
            prefix = prefix[len(head) :]
            out.pop(0)
        elif head.startswith(prefix):
            kept = [c for c in out[0].chars if c["x0"] >= solid[len(prefix)]["x0"]]
            out[0] = visual_lines(kept, out[0].page)[0]
            prefix = ""
        else:
            return None
    return out


def _numbered_text(out: list) -> tuple[list[str], list[Line], dict[int, int]]:
    """The text's lines in reading order, the running lines as Lines, and each line's number
    (by id) for the captions and stray lines; header and row objects learn their line numbers."""
    text: list[str] = []
    lines: list[Line] = []
    numbers: dict[int, int] = {}
    for kind, obj in out:
        if kind == "line":
            text.append(obj.text)
            lines.append(Line(no=len(text), raw=obj.text, page=obj.page))
            numbers[id(obj)] = len(text)
        elif kind == "stray":
            text.append(obj.text)
            numbers[id(obj)] = len(text)
        elif kind == "header":
            text.append("\t".join(obj.header))
            obj.header_line = len(text)
        else:
            text.append("\t".join(_cell_texts(obj.cells)))
            obj.line = len(text)
    return text, lines, numbers


def _table(t: _Table, numbers: dict[int, int]) -> Table:
    caption_no = numbers.get(id(t.caption), 0)
    return Table(
        number=t.number,
        caption=t.caption.text if t.caption else "",
        header=t.header,
        rows=[Row([_join([ln.text for ln in cell]) for cell in r.cells], r.line, r.page) for r in t.rows],
        line=caption_no or t.header_line,
        page=t.caption.page if t.caption else (t.rows[0].page if t.rows else None),
        unplaced=[Line(no=numbers[id(ln)], raw=ln.text, page=ln.page) for ln in t.stray],
        source_lines=t.source_lines,
    )


def _layout(pages: list[_Page], out: list, tables: list[_Table]) -> Layout:
    for t in tables:
        for row in t.rows:
            _strip_header(t, row)
        t.rows = [row for row in t.rows if any(row.cells)]
    kept = {id(row) for t in tables for row in t.rows}
    text, lines, numbers = _numbered_text(
        [(kind, obj) for kind, obj in out if kind != "row" or id(obj) in kept]
    )
    result = [_table(t, numbers) for t in tables]
    layout = Layout(kind="pdf", text="\n".join(text) + "\n", lines=lines, tables=result, pages=len(pages))
    if tables:
        ruleless = sum(1 for t in tables if not t.ruled)
        layout.notes.append(
            f"{len(tables)} table(s): {len(tables) - ruleless} read from their rules, "
            f"{ruleless} from the positions of their words"
        )
    return layout
