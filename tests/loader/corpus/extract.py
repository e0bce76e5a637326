"""003 as a neutral model (running text plus tables of cells), read with a deliberately simple
extractor for 003's own tab layout. It does not use loader/report: the corpus must not share the
importer's mistakes, or a reader could only ever be measured against itself.

The rules, all about 003's extraction (cells separated by tabs, one text line per printed line):
- a table runs from its caption (表N, the last occurrence: the 表录 comes first) to its source
  line (信息来源/数据来源/资料来源) or, failing one, the next heading;
- a row starts on a line whose first cell (the institution) is non-empty; in a three-column
  table also on a line whose second cell (the product) is non-empty, since the institution may be
  centred lower in its cell (表5), and then the institution fragments below fill that row;
- other lines extend the cells of the row above (a cell broken across lines or pages);
- page noise is dropped: blank lines, garbage with more cells than the header, stray bits.

Four tables need more than that, each handled by a rule named for what 003 does, not by row:
表6 centres every institution mid-row (_centre_rows); 表8 loses two institution cells, whose rows
open with 截至…; 表2 and 表4 lose their tabs near the end (_plain_line: an institution alone on a
line, its description before or after it); an institution cut to its tail (表5 津分行) or lost is
completed from the description (_complete_bank).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

REPORT_003 = "003_6aa2ce7c6a878419.txt"

CAPTION = re.compile(r"^表\s*(\d+)\s*(\S.*)$")
SOURCE = re.compile(r"^(信息|数据|资料)来源")
HEADING = re.compile(r"^(第[一二三四五六七八九十]+[章节]|附\s*录$|[一二三四五六七八九十]+、)")
CHAPTER = re.compile(r"^第[一二三四五六七八九十]+章")
SECTION = re.compile(r"^第([一二三四五六七八九十]+)节")
ITEM = re.compile(r"^([一二三四五六七八九十]+)、")
SENTENCE_END = re.compile(r"[。!?;!?;][\"”’)）]?$")
STARTS_WITH_DATE = re.compile(r"^\s*(截至\s*)?(\d{4}\s*年\s*)?\d{1,2}\s*月")
BANK_ALONE = re.compile(r"^[\u4e00-\u9fff ]{2,20}(银行|行|社|分行|支行)$")
BANK_IN_TEXT = re.compile(r"[\u4e00-\u9fff]{2,8}?(银行|农商行)")
# A description that slid into the next row: ...的 tail。 then the row's own dated sentence.
NEW_DATED_SENTENCE = re.compile(r"[。!?;]\s*(?=(\d{4}年)?\d{1,2}月\d{1,2}[日号])")


@dataclass
class Row:
    cells: list[str]  # one per header column; 003's own line-wrap spaces between Chinese removed
    line: int  # 003's 1-based line where the row starts


@dataclass
class Table:
    number: int
    caption: str  # "表 N …" as printed (a space after 表)
    header: list[str]
    rows: list[Row] = field(default_factory=list)
    source: str = ""  # the "信息来源:…" line below it, "" when 003 has none
    line: int = 0

    @property
    def has_product(self) -> bool:
        return len(self.header) >= 3


@dataclass
class Issue:
    """003 as blocks in reading order: a str is one paragraph (or heading) of running text."""

    title: str
    date: str
    publisher: str
    blocks: list[str | Table]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@lru_cache(maxsize=2)
def read_003(seeds_dir: Path) -> str:
    return (seeds_dir / REPORT_003).read_text(encoding="utf-8")


@lru_cache(maxsize=2)
def extract_issue(seeds_dir: Path, *, abridge: bool = True) -> Issue:
    """003's running text and tables. With `abridge`, long analysis is cut so that a rendered
    issue stays under 40 pages (see _abridge); tables and policy headings are always whole."""
    lines = read_003(seeds_dir).split("\n")
    spans = _table_spans(lines)
    blocks: list[str | Table] = []
    i = 0
    starts = {s: (e, n) for n, (s, e) in spans.items()}
    while i < len(lines):
        if i in starts:
            end, number = starts[i]
            blocks.append(_table(lines, number, i, end))
            i = end + 1
            continue
        text = lines[i].strip()
        if text:
            blocks.append(re.sub(r"\s*\t\s*", " ", text))
        i += 1
    # The title page: the lines before the issue date, the date, the publisher.
    date_at = next(k for k, b in enumerate(blocks) if isinstance(b, str) and flat(b) == "2024年5月")
    title_lines = [b for b in blocks[:date_at] if isinstance(b, str)]
    publisher = blocks[date_at + 1]
    assert isinstance(publisher, str)
    body = blocks[date_at + 2 :]
    if abridge:
        body = _abridge(body)
    return Issue(title="".join(title_lines), date=blocks[date_at], publisher=publisher, blocks=body)


def _table_spans(lines: list[str]) -> dict[int, tuple[int, int]]:
    """Table number → (caption index, index of its last line: the source line or the line before
    the next heading). Captions with a tab are 表录 entries (a page number after a tab)."""
    captions: dict[int, int] = {}
    for i, raw in enumerate(lines):
        m = CAPTION.match(raw.strip())
        if m and "\t" not in raw:
            captions[int(m.group(1))] = i
    spans = {}
    for number, start in captions.items():
        end = start + 1
        while end < len(lines):
            t = lines[end].strip()
            if SOURCE.match(t):
                break
            if CAPTION.match(t) or CHAPTER.match(t) or SECTION.match(t):
                end -= 1
                break
            end += 1
        spans[number] = (start, end)
    return spans


def _cells(raw: str) -> list[str]:
    cells = [c.strip() for c in raw.split("\t")]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _table(lines: list[str], number: int, start: int, end: int) -> Table:
    caption = CAPTION.match(lines[start].strip())
    assert caption
    table = Table(number=number, caption=f"表 {number} {caption.group(2).strip()}", header=[], line=start + 1)
    last = lines[end].strip()
    if SOURCE.match(last):
        table.source = last
    body = range(start + 1, end if table.source else end + 1)
    awaiting_bank = False  # the row began below its institution's cell top (centred, 表5)
    centred: list[tuple[int, str, str]] | None = None  # 表6's lines, see _centre_rows
    for i in body:
        raw = lines[i]
        if not raw.strip():
            continue
        cells = _cells(raw)
        if not table.header:
            if len(cells) >= 2 and any(w in raw for w in ("银行", "机构")):
                table.header = [flat(c) for c in cells]
            continue  # noise above the header (a stray page mark)
        ncols = len(table.header)
        if len(cells) > ncols:
            continue  # OCR garbage: more cells than the table has columns
        if len(cells) == 1 and "\t" not in raw.strip():
            _plain_line(table, cells[0], i)
            awaiting_bank = False
            continue
        cells += [""] * (ncols - len(cells))
        bank, desc = cells[0], cells[-1]
        product = cells[1] if ncols >= 3 else ""
        rows = table.rows
        if not rows and not bank and ncols == 2 and centred is None:
            centred = []  # the first row's institution is lower down: a centred table
        if centred is not None:
            if re.search(r"[\u4e00-\u9fff]", desc) and not re.search(r"(\d+\.){4,}", desc):
                centred.append((i + 1, bank, desc))  # (lines of digits and dots are OCR debris)
            continue
        if rows and desc and not bank and not product and ncols == 2:
            # 表8: an institution cell lost in extraction; a dated sentence after a finished one
            # opens the next institution's row.
            prev = rows[-1].cells[-1]
            if SENTENCE_END.search(prev) and re.match(r"^(截至|\d{4}\s*年)", desc):
                m = BANK_IN_TEXT.search(flat(desc))
                rows.append(Row(["", desc] if not m else [m.group(0), desc], i + 1))
                continue
        if product or (bank and not (awaiting_bank and rows)) or not rows:
            if rows and desc:
                desc = _give_back(rows[-1], desc)
            rows.append(Row(cells[:], i + 1))
            rows[-1].cells[-1] = desc
            awaiting_bank = not bank
            continue
        if awaiting_bank and bank:
            rows[-1].cells[0] = _join(rows[-1].cells[0], bank)
            bank = ""
        _extend(rows[-1], [bank, *cells[1:]])
    if centred is not None:
        table.rows = _centre_rows(centred)
    for row in table.rows:
        row.cells = [_unwrap(c) for c in row.cells]
        row.cells[0] = _complete_bank(row.cells[0], row.cells[-1])
    return table


CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\"“”]"


def _unwrap(cell: str) -> str:
    """003's cells carry a space wherever the original PDF wrapped a line (交通银行湖南 省分行);
    a renderer wraps them anew, so a space between two Chinese characters goes."""
    return re.sub(rf"(?<={CJK}) +(?={CJK})", "", cell)


def _complete_bank(cell: str, description: str) -> str:
    """An institution cell lost in 003's extraction (表8's 华夏银行) or cut to its tail (表5's
    津分行) is completed from the description, which names the institution; a full one stays."""
    name, text = flat(cell), flat(description)
    if "银行" in name or "农发行" in name or name.startswith(("建行", "交行", "农行")):
        return cell
    if name:
        m = re.search(rf"[\u4e00-\u9fff]{{2,6}}?银行[\u4e00-\u9fff]*?{re.escape(name)}", text)
        return m.group(0) if m else cell
    m = BANK_IN_TEXT.search(text)
    return m.group(0) if m else ""


def _join(a: str, b: str) -> str:
    """Fragments of one cell: Chinese runs on without a space, Latin words keep one."""
    if not a or not b:
        return a or b
    if re.search(r"[A-Za-z0-9]$", a) and re.match(r"^[A-Za-z0-9]", b):
        return f"{a} {b}"
    return a + b


def _extend(row: Row, parts: list[str]) -> None:
    for k, part in enumerate(parts):
        if part:
            row.cells[k] = _join(row.cells[k], part)


def _give_back(prev: Row, desc: str) -> str:
    """The tail of the row above slid onto this row's first line (表3 row 13): return it."""
    if SENTENCE_END.search(prev.cells[-1]) or STARTS_WITH_DATE.match(desc):
        return desc
    m = NEW_DATED_SENTENCE.search(desc)
    if not m or m.start() > 120:
        return desc
    prev.cells[-1] = _join(prev.cells[-1], desc[: m.start() + 1])
    return desc[m.end() :].strip()


def _plain_line(table: Table, text: str, i: int) -> None:
    """A line without tabs inside a table (表2, 表4 and 表8 lose their grid in places): an
    institution alone starts a row; a long paragraph extends the row above; stray bits go."""
    ncols = len(table.header)
    rows = table.rows
    if BANK_ALONE.match(text) and len(flat(text)) <= 16:
        row = Row([""] * ncols, i + 1)
        row.cells[0] = text
        # Its description may have come first (表2 row 9): a paragraph above opening with its name.
        if rows and len(rows[-1].cells[-1]) > 0:
            paragraphs = rows[-1].cells[-1].split("\n")
            if len(paragraphs) > 1 and flat(paragraphs[-1]).startswith(flat(text)):
                rows[-1].cells[-1] = "\n".join(paragraphs[:-1])
                row.cells[-1] = paragraphs[-1]
        rows.append(row)
        return
    if len(flat(text)) < 8 or not rows:
        return  # OCR debris between a table's pages
    row = rows[-1]
    if ncols >= 3 and not row.cells[1] and not row.cells[-1]:
        # 表4 row 6: "产品 描述…" on one line; the product is what comes before the institution.
        at = text.find(flat(row.cells[0])[:4])
        if 0 < at <= 16:
            row.cells[1], text = text[:at].strip(), text[at:].strip()
    # Paragraphs of one cell are kept apart by a newline: a renderer sets them as paragraphs.
    row.cells[-1] = f"{row.cells[-1]}\n{text}" if row.cells[-1] else text


def _centre_rows(lines: list[tuple[int, str, str]]) -> list[Row]:
    """表6: each institution is printed mid-row, so lines above it (first cell empty) belong to
    it, not to the row before. Its lines are cut into sentences (a line ending 。 closes one); a
    sentence beside an institution belongs to it, one beside none to the next institution, or
    to the last when none follows."""
    blocks: list[tuple[int, str, list[str]]] = []  # (first line, institution, descriptions)
    line_no, bank, descs = 0, "", []
    for no, b, desc in lines:
        if not descs:
            line_no = no
        bank = _join(bank, b) if re.search(r"[\u4e00-\u9fff]", b) else bank
        descs.append(desc)
        if SENTENCE_END.search(desc):
            blocks.append((line_no, bank, descs))
            bank, descs = "", []
    if descs:
        blocks.append((line_no, bank, descs))
    rows: list[Row] = []
    pending: list[str] = []
    pending_line = 0
    for no, b, descs in blocks:
        if b:
            rows.append(Row([b, ""], pending_line or no))
            rows[-1].cells[1] = "".join(pending + descs)
            pending, pending_line = [], 0
        elif not pending:
            pending, pending_line = list(descs), no
        else:
            pending += descs
    if pending and rows:
        rows[-1].cells[1] += "".join(pending)
    return rows


def paragraphs(cell: str) -> list[str]:
    return [p for p in cell.split("\n") if p.strip()]


DATE = re.compile(r"(\d{4}\s*年\s*)?\d{1,2}\s*月\s*\d{1,2}\s*[日号]")


def _abridge(blocks: list[str | Table]) -> list[str | Table]:
    """Keep what the parsers and the measure read, cut long analysis:
    - tables, headings and table-of-contents lines (short) always;
    - every numbered item of 第三章第一节 and 第五章 with its body up to the sentence that holds
      its first date (a policy's date is the first one in the body's first 400 characters),
      or its first sentence past 120 characters when it has none;
    - elsewhere the first paragraph after each heading, cut at a sentence end near 160 chars."""
    out: list[str | Table] = []
    budget = 0  # characters of body still to keep under the current heading
    chapter = ""
    section = 0
    item_body: list[str] = []  # the current item's body lines, kept once the item ends

    def flush() -> None:
        out.extend(_item_body(item_body))
        item_body.clear()

    for b in blocks:
        if isinstance(b, Table):
            flush()
            out.append(b)
            budget = 0
            continue
        t = b.strip()
        if CHAPTER.match(t):
            chapter, section = t[:4], 0
        m = SECTION.match(t)
        if m:
            section = "一二三四五六七八九十".index(m.group(1)[0]) + 1
        in_items = (chapter.startswith("第三章") and section == 1) or chapter.startswith("第五章")
        is_heading = bool(HEADING.match(t)) and len(t) <= 90 and not t.endswith("。")
        if in_items:
            if CHAPTER.match(t) or SECTION.match(t) or (is_heading and ITEM.match(t)):
                flush()
                out.append(t)
            else:
                item_body.append(t)
            continue
        flush()
        if is_heading or len(t) <= 40:
            out.append(t)
            budget = 160
            continue
        if budget <= 0:
            continue
        cut = t
        if len(t) > budget:
            ends = [m.end() for m in re.finditer(r"[。;;]", t) if m.end() <= budget + 60]
            cut = t[: ends[-1]] if ends else t[:budget]
        out.append(cut)
        budget = 0
    flush()
    return out


def _item_body(lines: list[str]) -> list[str]:
    """An item's body cut after the sentence with its first date (sought where the parser seeks
    it, in the first 400 characters), or after its first sentence past 120 characters. A heading
    broken across lines (a short tail, 《 still open) is kept whole: it comes first."""
    if not lines:
        return []
    first = " ".join(lines)[:400]
    m = DATE.search(unicodedata.normalize("NFKC", first))
    target = m.end() if m else 120
    out: list[str] = []
    seen = 0  # characters of the joined body before the current line
    for line in lines:
        if seen + len(line) < target:
            out.append(line)
            seen += len(line) + 1
            continue
        ends = [e.end() for e in re.finditer(r"[。;;]", line) if e.end() >= target - seen]
        out.append(line[: ends[0]] if ends else line)
        break
    return out
