"""Reading an issue from its extracted text: table rows by what they say, not by tabs.

Exports of the same PDF differ in what they put between cells (tabs, one space, runs of spaces as
`pdftotext -layout` writes, line breaks) and in the order cells come out (a cell centred vertically
comes out after the first lines of its neighbour). So a row is found by its institution, wherever it
stands: the first cell of a line, a line of its own, or after the sentence that ended the row
before. The description text of a table is then split among its institutions, in order, at sentence
starts: each row takes the text that starts like a description (a date, a finished sentence before
it) and names its institution, so a description set before its bank line still finds its bank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from ..errors import ReportFormatError
from ..layout import Layout, Line, Row, Table
from ..sections import (
    CAPTION,
    CHAPTER,
    ITEM,
    SECTION,
    caption_number,
    column_roles,
    is_heading,
    issue_meta,
    last_occurrences,
    page_noise,
)
from ..text import SENTENCE_END, SOURCE_LINE, STARTS_WITH_DATE, norm, squash

# What an institution's name ends in: a bank (written out or short), a credit union, a guarantor,
# an insurer or securities firm, an exchange or a platform; then optionally its branch.
INST_WORD = (
    r"(?:银行|农发行|农行|建行|工行|中行|交行|邮储|农商行|信用社|信用联社|联社|"
    r"担保(?:股份)?(?:有限)?(?:责任)?公司|担保集团|保险(?:股份)?(?:有限)?公司|证券(?:股份)?(?:有限)?公司|"
    r"信托(?:有限)?公司|金融租赁(?:股份)?(?:有限)?公司|消费金融(?:股份)?(?:有限)?公司|财务公司|"
    r"小额贷款(?:股份)?(?:有限)?公司|交易所|交易中心|服务平台|农信)"
)
BRANCH_END = r"(?:分行|支行|营业部|分公司|管理部|营业室)"
INSTITUTION = re.compile(
    rf"[\u4e00-\u9fff()·]{{0,16}}?{INST_WORD}(?:股份有限公司|有限责任公司|有限公司)?"
    rf"(?:[\u4e00-\u9fff()]{{0,16}}?{BRANCH_END})?"
)
NAME_CHARS = re.compile(r"^[\u4e00-\u9fff()·]+$")
# A name followed by one of these (after a single space) is a sentence's subject, not a cell.
SUBJECT_VERB = re.compile(
    r"^(为|在|与|和|向|以|通过|成功|携手|联合|的|是|将|已|于|对|根据|依托|获|按照|等|及|、|,|:|。)"
)
STRONG_SEP = re.compile(r"\t| {2,}|\u3000")
CLAUSE = re.compile(r"[,;:。!?、]")
SERIAL = re.compile(r"^\s*(\d{1,3})(?:[.、)]|\s)\s*")
AFTER_END = re.compile(r"[。!?;][\"”’)]*\s*$")
DATE_SOON = re.compile(r"^[^,;:。]{1,14}?(\d{4}年)?\d{1,2}月\d{1,2}[日号]")
NEW_FIGURES = re.compile(r"^截至\s*\d{4}\s*年")


def read_text(text: str) -> Layout:
    """Running text (every line outside the tables, captions included) and the tables' rows."""
    lines = [Line(no=i + 1, raw=raw) for i, raw in enumerate(text.splitlines())]
    try:
        title, _year, _month, publisher = issue_meta(lines)
        fixed = {squash(title), squash(publisher)}
    except ReportFormatError:
        fixed = set()  # the parser says what is wrong; the reader still reads what it can
    noise = page_noise(lines, fixed)
    # A table's header repeats on every page it spans, like a running header; it is kept (the
    # table skips its repeats) because it says what each column holds.
    body = [ln for ln in lines if ln.text and (not noise(ln) or _header_cells(ln))]
    captions = last_occurrences(body, CAPTION, key=caption_number)
    blank_before = {ln.no for prev, ln in zip(lines, lines[1:], strict=False) if not prev.text}
    inside: set[int] = set()
    tables = []
    for number, start in sorted(captions.items(), key=lambda kv: kv[1]):
        end = _region_end(body, start + 1)
        region = body[start + 1 : end]
        tables.append(_table(body[start], number, region, blank_before))
        inside.update(ln.no for ln in region)
    running = [ln for ln in lines if ln.no not in inside]
    return Layout(kind="text", text=text, lines=running, tables=tables)


def _region_end(body: list[Line], start: int) -> int:
    """A table runs to its source line, the next caption or heading, or a numbered heading."""
    for i in range(start, len(body)):
        t = body[i].text
        if SOURCE_LINE.match(squash(t)) or CAPTION.match(t) or is_heading(t) or SECTION.match(t):
            return i
        if ITEM.match(t) and "\t" not in body[i].raw and len(t) < 60 and i > start + 2:
            prev = body[i - 1].text
            if SENTENCE_END.search(prev) or CHAPTER.match(prev):
                return i
    return len(body)


# ---------------------------------------------------------------- one table


@dataclass
class _Anchor:
    """Where a row starts: its institution cell (empty for a row known only by a dated sentence)."""

    name: str
    line: Line
    pos: int  # offset in the table's description text where the anchor stands
    product: list[str] = field(default_factory=list)
    fixed: bool = False  # a row that starts exactly at `pos` (a dated figure without its bank cell)


@dataclass
class _Desc:
    """The description text of one table, every fragment in reading order, with where it came from."""

    parts: list[tuple[int, str, Line]] = field(default_factory=list)  # (offset, raw fragment, line)
    text: str = ""

    def add(self, raw: str, line: Line) -> None:
        raw = raw.strip()
        if not raw:
            return
        if self.text:
            self.text += " "
        self.parts.append((len(self.text), raw, line))
        self.text += raw


def _table(caption: Line, number: int, region: list[Line], blank_before: set[int]) -> Table:
    table = Table(number=number, caption=caption.raw.strip(), header=[], line=caption.no, page=caption.page)
    table.source_lines = len(region)
    header_at = next((i for i, ln in enumerate(region[:6]) if _header_cells(ln)), None)
    if header_at is None:
        table.unplaced = list(region)
        return table
    table.unplaced = list(region[:header_at])
    head = region[header_at]
    table.header = [squash(c) for c in _header_cells(head) or []]
    more = region[header_at + 1] if header_at + 1 < len(region) else None
    if more is not None and "\t" not in head.raw and _header_wrap(head, more, table.header):
        region = region[: header_at + 1] + region[header_at + 2 :]
    roles = column_roles(table.header)
    scan = _Scan(table, roles, _is_layout(region), blank_before, squash(head.text))
    anchors, desc, products = scan.run(region[header_at + 1 :])
    if not anchors:
        table.unplaced.extend(ln for _o, _r, ln in desc.parts)
        return table
    bounds = _split(anchors, desc)
    _assign_products(anchors, products, desc, bounds)
    table.rows += [_row(anchor, bounds[k], bounds[k + 1], desc, roles) for k, anchor in enumerate(anchors)]
    return table


def _row(anchor: _Anchor, start: int, end: int, desc: _Desc, roles: list[str]) -> Row:
    """One row: its institution, product and the description text between `start` and `end`."""
    pieces = [(o, r, ln) for o, r, ln in desc.parts if start <= o < end or (o < start < o + len(r))]
    text = desc.text[start:end].strip()
    if "product" in roles and not anchor.product:
        # A product cell set just before its description's date (`e 钱庄 7. 0 2024年5月24日,…`)
        product, rest = _product_prefix(text)
        if product and STARTS_WITH_DATE.match(squash(norm(rest))):
            anchor.product.append(product)
            text = rest.strip()
    by_role = {"institution": anchor.name, "product": " ".join(anchor.product), "description": text}
    cells = [by_role.get(role, "") for role in roles]
    first = min([anchor.line.no] + [ln.no for _o, _r, ln in pieces if _o >= start])
    excerpt = next((r for o, r, _ln in pieces if o >= start and len(squash(r)) >= 12), "")
    return Row(cells=cells, line=first, page=anchor.line.page, excerpt_from=excerpt)


def _header_cells(ln: Line) -> list[str] | None:
    """A header: two or more short cells, one naming the institution column. Cells are split at
    tabs where the line has them, else at every space (`-layout` may set two cells one space apart)."""
    text = ln.text
    cells = [norm(c).strip() for c in ln.raw.split("\t")] if "\t" in ln.raw else text.split()
    cells = [c for c in cells if c]
    ok = 2 <= len(cells) <= 6 and all(len(squash(c)) <= 14 for c in cells) and re.search(r"银行|机构", text)
    if ok and not any(STARTS_WITH_DATE.match(c) for c in cells):
        return cells
    return None


def _header_wrap(head: Line, more: Line, header: list[str]) -> bool:
    """A header set on two lines (`新推金融产` / `品`): the second line's words join the header cell
    standing nearest above them. True when `more` was such a line."""
    flat = squash(more.text)
    if not flat or len(flat) > 8 or re.search(r"\d", flat) or not more.raw.startswith(" "):
        return False
    starts = [m.start() for m in re.finditer(r"\S+", head.raw)]
    if len(starts) != len(header):
        return False
    for m in re.finditer(r"\S+", more.raw):
        k = min(range(len(starts)), key=lambda i: abs(starts[i] - m.start()))
        header[k] += norm(m.group(0))
    return True


def _is_layout(region: list[Line]) -> bool:
    """`pdftotext -layout` output: cells side by side, set apart by spaces, continuation lines
    indented to their column."""
    if any("\t" in ln.raw for ln in region):
        return False
    spaced = sum(1 for ln in region if re.search(r"\S {2,}\S", ln.raw) or re.match(r" {4,}\S", ln.raw))
    return spaced >= max(3, len(region) // 4)


def _layout_cells(raw: str, roles: list[str], desc_at: list[int], new_row: bool) -> list[str] | None:
    """A `-layout` line's cells: the institution's fragment at the line's start, the description
    from its first long or clause-like word (or from where this row's description column stands),
    the product from the words between. `desc_at` keeps the column the row's description uses."""
    words = [(m.start(), m.group(0)) for m in re.finditer(r"\S+", raw)]
    if not words:
        return None
    cells = [""] * len(roles)
    i = 0
    if words[0][0] <= 1 and not _desc_like(words[0][1]) and "institution" in roles:
        cells[roles.index("institution")] = words[0][1]
        i = 1
    if i and (new_row or re.search(INST_WORD, norm(words[0][1]))):
        desc_at.clear()  # a new row: its columns may stand elsewhere than the last row's
    j = next(
        (
            k
            for k in range(i, len(words))
            if _desc_like(words[k][1]) or (desc_at and words[k][0] >= desc_at[0] - 2)
        ),
        len(words),
    )
    if j < len(words):
        desc_at[:] = [words[j][0]]
        cells[roles.index("description")] = raw[words[j][0] :].strip()
    between = " ".join(w for _p, w in words[i:j])
    if between:
        role = "product" if "product" in roles else "description"
        k = roles.index(role)
        cells[k] = (between + " " + cells[k]).strip() if role == "description" else between
    return cells


def _desc_like(word: str) -> bool:
    flat = squash(norm(word))
    return len(flat) >= 14 or bool(CLAUSE.search(flat)) or bool(STARTS_WITH_DATE.match(flat))


def _continues(fragment: str) -> bool:
    """A fragment that cannot start a name of its own: no bank or other institution word in it."""
    return bool(NAME_CHARS.match(fragment)) and not re.search(INST_WORD, fragment)


class _Scan:
    """Walks one table's lines: institutions become anchors, product fragments are kept with their
    line, everything else is description text in reading order. Lines whose layout shows cells
    (tabs, `-layout` columns) are read by column; the others by what they say."""

    def __init__(self, table: Table, roles: list[str], layout: bool, blank_before: set[int], head: str):
        self.table, self.roles, self.layout, self.blank_before = table, roles, layout, blank_before
        self.anchors: list[_Anchor] = []
        self.desc = _Desc()
        self.products: list[tuple[Line, str]] = []
        self.has_product = "product" in roles
        self.inst_col = roles.index("institution")
        self.desc_col = roles.index("description")
        self.header_flats = {"".join(table.header), head}
        self.pending: tuple[str, Line, int] | None = None  # an institution cell still being written
        self.want_product: _Anchor | None = None  # a bank alone on its line: its product may follow
        self.split_name: tuple[str, Line, int] | None = None  # a name's head the next line may finish
        self.desc_at: list[int] = []  # where a `-layout` row's description column stands
        self.open_cell: _Anchor | None = None  # a `-layout` institution cell that may go on
        self.more = ""

    def run(self, lines: list[Line]) -> tuple[list[_Anchor], _Desc, list[tuple[Line, str]]]:
        skipped_header = False
        for ln in lines:
            flat = squash(ln.text)
            if flat in self.header_flats or (skipped_header and len(flat) <= 8 and ln.raw.startswith(" ")):
                skipped_header = flat in self.header_flats
                continue  # the header repeated on a new page (and its second line)
            skipped_header = False
            if _garbage(ln):
                self.table.unplaced.append(ln)
                continue
            if self.layout:
                cells = _layout_cells(ln.raw, self.roles, self.desc_at, ln.no in self.blank_before)
            else:
                cells = _cells(ln, len(self.roles))
            if cells is None:
                self._settle_pending()
                self._words(ln)
            else:
                self._columns(ln, cells)
        self._settle_pending()
        return self.anchors, self.desc, self.products

    def _next_pos(self) -> int:
        return len(self.desc.text) + (1 if self.desc.text else 0)

    def _settle_pending(self) -> None:
        if self.pending is not None:
            _settle(self.pending, self.anchors, self.table)  # nothing more of the name comes
            self.pending = None

    def _columns(self, ln: Line, cells: list[str]) -> None:
        inst = norm(squash(cells[self.inst_col]))
        if self.layout and ln.no in self.blank_before:
            self.open_cell, self.more = None, ""  # a blank line between rows closes the cell
        if self.layout and self.open_cell is not None and self.pending is None and inst and _continues(inst):
            # `工商银行` / `浙江省衢` / `州市江山` / `支行`: one cell set on several lines
            self.more += inst
            if INSTITUTION.fullmatch(self.open_cell.name + self.more) and re.search(
                BRANCH_END + "$", self.more
            ):
                self.open_cell.name, self.more = self.open_cell.name + self.more, ""
            inst = ""
        if not inst:
            self._settle_pending()
        ln_first, pos = ln, self._next_pos()
        if self.pending is not None:
            inst = self.pending[0] + inst  # the rest of a wrapped institution cell
            ln_first, pos = self.pending[1], self.pending[2]
        self.pending = None
        self._institution_cell(inst, ln_first, pos, ln, cells[self.inst_col])
        for k, role in enumerate(self.roles):
            if role == "product" and cells[k].strip():
                self.products.append((ln, cells[k].strip()))
            elif k == self.desc_col or (role == "other" and k != self.inst_col):
                _add_text(self.desc, cells[k], ln, self.anchors)
        self.want_product = None

    def _institution_cell(self, inst: str, first: Line, pos: int, ln: Line, raw: str) -> None:
        last = self.anchors[-1] if self.anchors else None
        if (
            inst
            and not INSTITUTION.fullmatch(inst)
            and last is not None
            and last.line.no in (ln.no - 1, ln.no - 2)
            and re.fullmatch(INSTITUTION.pattern, last.name + inst)
            and re.search(BRANCH_END + "$", inst)
        ):
            last.name += inst  # `北京银行` / `城市副中心分行`: the branch wrapped to a new line
        elif inst and INSTITUTION.fullmatch(inst):
            self.anchors.append(_Anchor(inst, first, pos))
            self.open_cell, self.more = self.anchors[-1], ""
        elif inst and NAME_CHARS.match(inst) and len(inst) <= 16:
            self.pending = (inst, first, pos)  # part of a name: the next line may finish it
        elif inst:
            self.desc.add(raw, ln)

    def _words(self, ln: Line) -> None:
        raw = self._wrapped_name(ln)
        if self.want_product is not None and self.has_product and _platform_alone(raw):
            self.want_product.product.append(raw.strip())  # `…金融服务平台` under a bank: its product
            self.want_product = None
            return
        for part_raw, anchor in _split_line(raw):
            if anchor is None:
                if self.want_product is not None and self.has_product:
                    product, part_raw = _product_prefix(part_raw)
                    if product:
                        self.want_product.product.append(product)
                self.want_product = None
                if part_raw.strip():
                    _add_text(self.desc, part_raw, ln, self.anchors)
                continue
            name, rest = anchor
            a = _Anchor(name, ln, self._next_pos())
            self.anchors.append(a)
            self.want_product = None
            if self.has_product:
                product, rest = _product_prefix(rest)
                if product:
                    a.product.append(product)
                elif not rest.strip():
                    self.want_product = a
            if rest.strip():
                self.desc.add(rest, ln)

    def _wrapped_name(self, ln: Line) -> str:
        """`北京农商银` / `行`: the head of a name before a run of spaces, finished by the next
        line's first cell. Returns what is left of the line to read."""
        raw = ln.raw
        head = _leading_fragment(raw)
        if self.split_name is not None:
            name, first_ln, first_pos = self.split_name
            self.split_name = None
            rest = re.match(r"\s*([\u4e00-\u9fff]{1,8})(?:\s|$)", raw)  # the name's end, up to a space
            if rest and INSTITUTION.fullmatch(name + rest.group(1)):
                self.anchors.append(_Anchor(name + rest.group(1), first_ln, first_pos))
                return raw[rest.end() :]
        elif (
            head
            and self.want_product is None
            and head[1] < len(raw.rstrip())  # the row's other cells follow on the line
            and len(head[0]) <= 12
            and not re.search(rf"({BRANCH_END}|{INST_WORD})$", head[0])
            and _name_at(raw, 0) is None
        ):
            self.split_name = (head[0], ln, self._next_pos())
            return raw[head[1] :]
        return raw


def _settle(pending: tuple[str, Line, int], anchors: list[_Anchor], table: Table) -> None:
    """Part of a name that nothing completes: the tail of a cell whose first line was lost
    (`津分行`) still starts a row (the parser completes it from the description); anything else is
    reported."""
    name, ln, pos = pending
    if re.search(rf"({BRANCH_END}|{INST_WORD})$", name):
        anchors.append(_Anchor(name, ln, pos))
    else:
        table.unplaced.append(ln)


def _garbage(ln: Line) -> bool:
    """Text drawn in an image and read back by OCR: many tiny cells (`业为 , 秋`)."""
    cells = [c for c in ln.raw.split("\t") if c.strip()]
    return len(cells) >= 4 and sum(len(c.strip()) for c in cells) / len(cells) <= 3


def _cells(ln: Line, ncols: int) -> list[str] | None:
    """A line's cells when its tabs show them: as many cells as the header has columns (an empty
    first cell continues the row above); fewer means a lost separator, read by what it says."""
    if "\t" not in ln.raw:
        return None
    cells = [c.strip() for c in ln.raw.split("\t")]
    while len(cells) > ncols and not cells[-1]:
        cells.pop()
    if len(cells) < ncols:
        return None
    return cells[: ncols - 1] + [" ".join(c for c in cells[ncols - 1 :] if c)]


BANK_WORD = re.compile(r"(银行|农发行|农行|建行|工行|中行|交行|邮储|农商行|信用社|联社|农信)")


def _platform_alone(raw: str) -> bool:
    """A line that is one name of a platform, exchange or company but not of a bank."""
    hit = _name_at(raw, 0)
    return hit is not None and not raw[hit[1] :].strip() and not BANK_WORD.search(hit[0])


def _leading_fragment(raw: str) -> tuple[str, int] | None:
    """A line's first cell when the line shows it (a run of spaces or the line's end after it) and
    it is made of name characters only: (its text without spaces, where it ends in raw)."""
    m = re.match(r"\s*(\S+?)(?: {2,}|\u3000|$)", raw)
    if m is None:
        # One space is a cell's edge too when the word stops inside a bank's name (`山东沂水农村商业银`).
        m = re.match(r"\s*([\u4e00-\u9fff]+?[银分支营])(?: |$)", raw)
    if m is None:
        return None
    frag = norm(m.group(1))
    if not NAME_CHARS.match(frag) or len(frag) > 16:
        return None
    return frag, m.end()


SENTENCE_BREAK = re.compile(r"[。!?;!?;][\"”’)]*\s+")


def _split_line(raw: str) -> list[tuple[str, tuple[str, str] | None]]:
    """A line's parts in order: (text, None) for description text, ("", (name, rest)) where an
    institution starts a row: at the line's start (after a serial number) or after a finished
    sentence; `rest` is the row's text up to the next institution on the line."""
    found = []
    for at in [0, *(m.end() for m in SENTENCE_BREAK.finditer(raw))]:
        serial = SERIAL.match(raw) if at == 0 else None
        hit = _name_at(raw, serial.end()) if serial else None
        hit = hit or _name_at(raw, at)
        if hit is not None:
            found.append((at, *hit))
    if not found:
        return [(raw, None)]
    out: list[tuple[str, tuple[str, str] | None]] = []
    if raw[: found[0][0]].strip():
        out.append((raw[: found[0][0]], None))
    for i, (_at, name, end) in enumerate(found):
        stop = found[i + 1][0] if i + 1 < len(found) else len(raw)
        out.append(("", (name, raw[end:stop])))
    return out


def _name_chars(raw: str, at: int) -> tuple[list[tuple[str, int]], list[int]]:
    """The name characters from raw[at] (normalised, each with the raw index after it) and the
    counts of them after which the text breaks (whitespace, a non-name character, the line's end)."""
    kept: list[tuple[str, int]] = []
    ends: list[int] = []
    i = at
    while i < len(raw) and len(kept) < 34:
        c = raw[i]
        if c.isspace():
            if kept and (not ends or ends[-1] != len(kept)):
                ends.append(len(kept))
        else:
            n = norm(c)
            if not n or not NAME_CHARS.match(n):
                if kept:
                    ends.append(len(kept))
                break
            kept.append((n, i + 1))
        i += 1
    else:
        if kept and i >= len(raw):
            ends.append(len(kept))
    return kept, sorted(set(e for e in ends if e >= 2))


def _lost_head(raw: str, kept: list[tuple[str, int]], ends: list[int]) -> list[int]:
    """The tail of a name whose first line was lost (`津分行`), alone before a run of spaces: still
    a row of its own; the parser completes the name from the description."""
    if not ends or ends[0] > 8:
        return []
    e = ends[0]
    rest = raw[kept[e - 1][1] :]
    tail = "".join(c for c, _ in kept[:e])
    if re.fullmatch(rf"[\u4e00-\u9fff]{{1,6}}{BRANCH_END}", tail) and (
        not rest.strip() or STRONG_SEP.match(rest)
    ):
        return [e]
    return []


def _runs_on(after: str, at: int) -> bool:
    """The name is a sentence's subject, not a cell: it runs straight on (`兴业银行北京分行“绿票通”业务
    成功落地`), or after a sentence it goes on with a verb (`兴业银行济南分行 为…`)."""
    if after[:1] and not after[:1].isspace():
        return True
    return (
        at > 0
        and after[:1] == " "
        and not STRONG_SEP.match(after)
        and bool(SUBJECT_VERB.match(norm(after.strip())))
    )


def _name_at(raw: str, at: int) -> tuple[str, int] | None:
    """An institution's name starting at raw[at], ending where the text has a break (whitespace,
    a quote, the line's end), and not the subject of a sentence running on."""
    kept, ends = _name_chars(raw, at)
    valid = [e for e in ends if INSTITUTION.fullmatch("".join(c for c, _ in kept[:e]))]
    if not valid and at == 0:
        valid = _lost_head(raw, kept, ends)
    if not valid:
        return None
    branch = [e for e in valid if re.search(BRANCH_END + "$", "".join(c for c, _ in kept[:e]))]
    e = min(branch) if branch else min(valid)  # the first name that ends as a branch does
    raw_end = kept[e - 1][1]
    if _runs_on(raw[raw_end:], at):
        return None
    return "".join(c for c, _ in kept[:e]), raw_end


def _product_prefix(text: str) -> tuple[str, str]:
    """A product cell written before the description on the same line: the leading words that are
    short and not a clause (no comma, no date); the rest is description."""
    stripped = text.strip()
    if not stripped:
        return "", ""
    pieces = STRONG_SEP.split(stripped)
    if len(pieces) > 1 and _product_like(pieces[0]):
        return pieces[0].strip(), text[text.index(pieces[0]) + len(pieces[0]) :]
    words = stripped.split(" ")
    taken: list[str] = []
    for w in words:
        if not _product_like(w) or len(squash("".join(taken + [w]))) > 30:
            break
        taken.append(w)
    if not taken or len(taken) == len(words) and len(words) > 1 and not CLAUSE.search(norm(stripped)):
        # every word is short: a product alone on its line, or nothing to tell them apart by
        if not CLAUSE.search(norm(stripped)) and len(squash(stripped)) <= 30:
            return stripped, ""
        return "", text
    rest = stripped[len(" ".join(taken)) :]
    return " ".join(taken), rest


def _product_like(word: str) -> bool:
    flat = squash(norm(word))
    return bool(flat) and not CLAUSE.search(flat) and not STARTS_WITH_DATE.match(flat) and len(flat) <= 30


def _add_text(desc: _Desc, raw: str, ln: Line, anchors: list[_Anchor]) -> None:
    """Description text; a dated figure sentence (`截至2023年末,华夏银行…`) naming another
    institution than the row above starts a row of its own even without its bank cell."""
    flat = norm(raw.strip())
    if anchors and NEW_FIGURES.match(flat) and (not desc.text or AFTER_END.search(desc.text)):
        named = INSTITUTION.search(squash(flat)[:40])
        if named and not _same_bank(named.group(0), anchors[-1].name):
            pos = len(desc.text) + (1 if desc.text else 0)
            anchors.append(_Anchor("", ln, pos, fixed=True))
    desc.add(raw, ln)


def _same_bank(a: str, b: str) -> bool:
    a, b = squash(a), squash(b)
    return bool(a and b) and (a in b or b in a)


def _assign_products(
    anchors: list[_Anchor], products: list[tuple[Line, str]], desc: _Desc, bounds: list[int]
) -> None:
    """Product fragments of column layouts go to the row whose description runs on the same line
    (a cell centred vertically starts above or below its institution), else to the nearest row."""
    row_of_line: dict[int, int] = {}
    for offset, _raw, ln in desc.parts:
        k = next((k for k in range(len(anchors)) if bounds[k] <= offset < bounds[k + 1]), None)
        if k is not None:
            row_of_line.setdefault(ln.no, k)
    own_line = {a.line.no: k for k, a in enumerate(anchors)}
    for ln, text in products:
        k = own_line.get(ln.no, row_of_line.get(ln.no))
        if k is None:  # a line holding only a product's last words: the row above it
            above = [i for i, a in enumerate(anchors) if a.line.no <= ln.no]
            k = above[-1] if above else 0
        anchors[k].product.append(text)


# ---------------------------------------------------------------- splitting the description text


def _split(anchors: list[_Anchor], desc: _Desc) -> list[int]:
    """Offsets [0, b1, …, len] cutting the description text into one piece per anchor, in order.

    Each cut is a sentence start between an anchor and a little past the next one; a row scores for
    naming its own institution first, for starting as a description starts (a date, a finished
    sentence before it), and loses for holding the start of another row's description."""
    text = desc.text
    n = len(anchors)
    cands = _candidates(desc)
    line_at = {o: ln.no for o, _r, ln in desc.parts}
    first = _descriptions_first(anchors, text)
    windows: list[list[int]] = []
    for k in range(n - 1):
        nxt = anchors[k + 1]
        if nxt.fixed:
            windows.append([nxt.pos])
            continue
        lo, hi = anchors[k].pos, _slide(text, nxt.pos)
        w = [c for c in cands if lo <= c <= hi] or [min(max(nxt.pos, lo), len(text))]
        windows.append(w)
    starts = [[0]] + windows
    ends = windows + [[len(text)]]
    # best[k][e]: best score of rows 0..k with row k ending at e
    best: list[dict[int, tuple[float, int]]] = []
    for k in range(n):
        row: dict[int, tuple[float, int]] = {}
        for e in ends[k]:
            choices = []
            for s in starts[k]:
                if s > e:
                    continue
                before = 0.0 if k == 0 else best[k - 1].get(s, (float("-inf"), 0))[0]
                choices.append((before + _score(anchors, k, text, s, e, line_at, first), s))
            if choices:
                row[e] = max(choices)
        best.append(row)
    bounds = [len(text)]
    e = len(text)
    for k in range(n - 1, -1, -1):
        if e not in best[k]:
            e = max(best[k], key=lambda x: best[k][x][0])
        s = best[k][e][1]
        bounds.append(s)
        e = s
    bounds.reverse()
    bounds[0] = 0
    return bounds


def _descriptions_first(anchors: list[_Anchor], text: str) -> bool:
    """Whether this table sets each description before its bank: most banks are named in the text
    just before their line rather than just after it."""
    before = after = 0
    for a in anchors:
        if not a.name or a.fixed:
            continue
        ahead = _names(a.name, squash(norm(text[a.pos : a.pos + 160])))
        behind = _names(a.name, squash(norm(text[max(0, a.pos - 300) : a.pos])))
        if behind >= 0.8 and ahead < 0.5:
            before += 1
        elif ahead >= 0.8:
            after += 1
    return before > max(2, 2 * after)


def _candidates(desc: _Desc) -> list[int]:
    text = desc.text
    out = {0, len(text)}
    out.update(o for o, _r, _ln in desc.parts)
    for m in re.finditer(r"[。!?;!?;][\"”’)]*\s*", text):
        out.add(m.end())
    return sorted(out)


def _slide(text: str, pos: int) -> int:
    """How far past an anchor its row may start: to the end of the sentence running on from the
    row above (a tail of the previous description set on the anchor's line)."""
    m = re.compile(r"[。!?;!?;][\"”’)]*\s*").search(text, pos)
    return m.end() if m and m.end() - pos <= 160 else pos


def _start_score(head: str, ended: bool) -> float:
    """A segment that starts a description: with its date or figures, after a finished sentence."""
    score = 0.0
    if STARTS_WITH_DATE.match(head) or NEW_FIGURES.match(head):
        score += 1.0
    elif DATE_SOON.match(head):
        score += 0.7  # a product's words set before the description's date (`e钱庄7.0 2024年5月…`)
    return score + (0.5 if ended else -1.5)


def _place_score(
    anchors: list[_Anchor], k: int, s: int, line_at: dict[int, int], first: bool, ended: bool
) -> float:
    """Where the segment starts against its anchor (the institution's cell)."""
    anchor = anchors[k]
    if anchor.fixed:
        return 0.0
    if first:
        # Descriptions set before their banks: a row's text starts right after the row above's.
        return 1.5 if s == (anchors[k - 1].pos if k else 0) else 0.0
    if ended and line_at.get(s) == anchor.line.no:
        return 1.5  # a finished sentence before it and the row's own line: its cells start here
    if s == anchor.pos:
        return 0.5  # a row usually starts where its institution stands
    if s < anchor.pos and line_at.get(s) != anchor.line.no:
        return -0.75  # text above the institution's line mostly belongs to the row above
    return 0.0


def _neighbour_starts_inside(anchors: list[_Anchor], k: int, flat: str) -> int:
    """How many neighbouring rows' descriptions start inside this segment (a sentence of it opens
    with a date or figures and names the neighbour's institution, not this row's)."""
    name = anchors[k].name
    count = 0
    for j in (k - 1, k + 1):
        if not (0 <= j < len(anchors) and anchors[j].name):
            continue
        for m in re.finditer(r"[。!?;][\"”’)]*", flat):
            tail = flat[m.end() : m.end() + 60]
            starts = STARTS_WITH_DATE.match(tail) or NEW_FIGURES.match(tail)
            if starts and _names(anchors[j].name, tail) >= 0.8 and (not name or _names(name, tail) < 0.8):
                count += 1
                break
    return count


def _score(
    anchors: list[_Anchor], k: int, text: str, s: int, e: int, line_at: dict[int, int], first: bool
) -> float:
    flat = squash(norm(text[s:e]))
    if not flat:
        return -10.0
    ended = s == 0 or bool(AFTER_END.search(text[:s].rstrip()))
    score = -3.0 if len(flat) < 8 else 0.0
    score += _start_score(flat[:24], ended)
    score += _place_score(anchors, k, s, line_at, first, ended)
    if anchors[k].name:
        score += 2.0 * _names(anchors[k].name, flat[:250])
    return score - 2.0 * _neighbour_starts_inside(anchors, k, flat)


def _names(name: str, text: str) -> float:
    """How well `text` names the institution: 1 when it writes the name, else the longest shared
    run of characters over the name's length (short forms and wrapped spellings differ a little)."""
    if not name or not text:
        return 0.0
    if name in text:
        return 1.0
    m = SequenceMatcher(None, name, text, autojunk=False).find_longest_match(0, len(name), 0, len(text))
    ratio = m.size / len(name)
    return ratio if m.size >= 4 else 0.0
