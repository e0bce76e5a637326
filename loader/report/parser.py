"""Parse one issue of the monthly guide (中小企业金融产品与业务创新指引) from its extracted text.

Written for the layout, not for one issue: sections are found by their headings (the last
occurrence, so a table of contents before the body is skipped whatever its order), table rows by
their cells (tab-separated in the extraction) with cells broken across lines and pages joined
again, and page headers, footers and numbers dropped wherever they fall.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from .errors import ReportFormatError
from .layout import Layout
from .places import Gazetteer, gazetteer
from .text import (
    PAGE_NUMBER,
    SENTENCE_END,
    SOURCE_LINE,
    STARTS_WITH_DATE,
    cn_number,
    collapse,
    deal_amount,
    excerpt,
    first_date,
    norm,
    squash,
)


@dataclass
class Case:
    locator: str
    line: int
    institution: str
    product: str
    description: str
    date: dt.date | None
    amount: Decimal | None
    currency: str
    client: str
    province: str | None
    city: str | None
    excerpt: str


@dataclass
class Policy:
    locator: str
    line: int
    heading: str
    document_title: str
    issuer: str
    level: str
    province: str | None
    city: str | None
    issued_date: dt.date | None
    summary: str
    excerpt: str


@dataclass
class Metric:
    locator: str
    line: int
    institution: str
    indicator: str
    value: Decimal
    unit: str
    period: str
    excerpt: str


@dataclass
class ProductMention:
    locator: str
    line: int
    name: str
    institution: str
    excerpt: str


@dataclass
class Report:
    title: str
    year: int
    month: int
    publisher: str
    cases: list[Case] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    products: list[ProductMention] = field(default_factory=list)
    unparsed: list[tuple[int, str]] = field(default_factory=list)


CN = "一二三四五六七八九十百"
CHAPTER = re.compile(rf"^第([{CN}]+)章\s*(.{{0,40}})$")
SECTION = re.compile(rf"^第([{CN}]+)节\s*(.{{0,60}})$")
CAPTION = re.compile(r"^表\s*(\d+)\s*(.{0,60})$")
APPENDIX = re.compile(r"^附\s*录\s*$")
ITEM = re.compile(rf"^([{CN}]+)\s*[、,.]\s*(\S.*)$")
SUB_ITEM = re.compile(rf"^\(([{CN}]+)\)\s*(\S.*)$")
TITLE_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月$")
# A bank, written out or short (建行, 农发行), optionally with its branch.
BANK = re.compile(
    r"[\u4e00-\u9fff]{0,12}?(?:银行|农发行|农行|建行|工行|中行|交行|邮储|农商行|信用社|联社)"
    r"(?:[\u4e00-\u9fff]{1,10}?(?:分行|支行|营业部))?"
)
INSTITUTION_END = re.compile(r"(银行|行|社|公司|营业部|中心)$")
PRODUCT_NAME = re.compile(r"[\"“]([^\"“”]{2,16})[\"”]")
PRODUCT_END = re.compile(r"(贷|贷款|通|卡|宝|保|融|险|票|债|账户|存|汇|付|链|盈|利)$")
ISSUE_VERB = re.compile(
    r"(印发|发布|出台|召开|表示|制定|规范|力推|联合|举行|推出|修订|公布|审议|部署|开展|启动|印台)"
)


@dataclass
class _Line:
    no: int  # 1-based line number in the file
    raw: str
    text: str  # normalised


def parse_report(source: str | Layout) -> Report:
    """Parse one issue (its text, or a reader's Layout); raises ReportFormatError when it is not
    that layout."""
    text = source if isinstance(source, str) else source.text
    if not text.strip():
        raise ReportFormatError("the file is empty")
    lines = [_Line(i + 1, raw, norm(raw).strip()) for i, raw in enumerate(text.splitlines())]
    report = _meta(lines)
    noise = _noise(lines, report)
    places = gazetteer()
    body = [ln for ln in lines if ln.text and not noise(ln)]

    captions = _last_occurrences(body, CAPTION, key=lambda m: int(m.group(1)))
    chapters = _last_occurrences(body, CHAPTER, key=lambda m: cn_number(m.group(1)))
    if not captions and not chapters:
        raise ReportFormatError(
            "no tables (表1…) and no chapters (第一章…): not an issue of the monthly report"
        )

    for number, start in sorted(captions.items()):
        rows = _table(body, start, noise, dated_rows=number == 8)
        if number == 8:
            _metrics(report, rows, places)
        else:
            _cases(report, number, rows, places)

    if 3 in chapters:
        start = chapters[3]
        end = _next_heading(body, start + 1)
        first = next((i for i in range(start + 1, end) if _section_no(body[i]) == 1), None)
        if first is not None:
            stop = next((i for i in range(first + 1, end) if _section_no(body[i])), end)
            _policies(report, body[first + 1 : stop], "第三章第一节", places, central=True)
    if 5 in chapters:
        start = chapters[5]
        _policies(report, body[start + 1 : _next_heading(body, start + 1)], "第五章", places, central=False)

    appendix = next((i for i in range(len(body) - 1, -1, -1) if APPENDIX.match(body[i].text)), None)
    if appendix is not None:
        _appendix_two(report, body[appendix + 1 :], places)
    _hot_topics(report, lines)
    if not report.cases and not report.policies:
        raise ReportFormatError("no table rows (表1…表7) and no numbered policy items (第三章, 第五章) found")
    return report


def _meta(lines: list[_Line]) -> Report:
    """Title (the lines before the issue date), year and month, publisher (the line after)."""
    head = [ln for ln in lines[:40] if ln.text]
    for i, ln in enumerate(head):
        m = TITLE_DATE.match(squash(ln.text).replace("年", " 年 ").replace("月", " 月").strip())
        m = m or TITLE_DATE.match(ln.text)
        if m:
            title = "".join(squash(x.text) for x in head[:i])
            publisher = ""
            if i + 1 < len(head) and re.search(r"(公司|中心|研究院|研究所|协会|银行)$", head[i + 1].text):
                publisher = squash(head[i + 1].text)
            if not title:
                break
            return Report(title=title, year=int(m.group(1)), month=int(m.group(2)), publisher=publisher)
    raise ReportFormatError("no title page with the issue's year and month (e.g. 2024年5月) at the top")


def _noise(lines: list[_Line], report: Report):
    """Page headers, footers and numbers: the title, the publisher, bare page numbers, and short
    lines that repeat on many pages."""
    counts = Counter(squash(ln.text) for ln in lines if ln.text)
    fixed = {squash(report.title), squash(report.publisher)} - {""}

    def is_noise(ln: _Line) -> bool:
        flat = squash(ln.text)
        if not flat or flat in fixed or PAGE_NUMBER.match(ln.text):
            return True
        return counts[flat] >= 4 and len(flat) <= 30 and not SOURCE_LINE.match(flat) and "\t" not in ln.raw

    return is_noise


def _last_occurrences(body: list[_Line], pattern: re.Pattern, key) -> dict[int, int]:
    """Heading number → index of its last occurrence (a table of contents comes first)."""
    found: dict[int, int] = {}
    for i, ln in enumerate(body):
        if "\t" in ln.raw.strip():
            continue  # table-of-contents entries carry their page number after a tab
        m = pattern.match(ln.text)
        if m and not ln.text.endswith("。"):
            k = key(m)
            if k is not None:
                found[k] = i
    return found


def _section_no(ln: _Line) -> int | None:
    m = SECTION.match(ln.text)
    return cn_number(m.group(1)) if m else None


def _next_heading(body: list[_Line], start: int) -> int:
    for i in range(start, len(body)):
        t = body[i].text
        if CHAPTER.match(t) or APPENDIX.match(t) or t in ("声明", "免责声明"):
            return i
    return len(body)


# ---------------------------------------------------------------- tables


@dataclass
class _Row:
    line: int
    first_raw: str
    cells: list[list[str]]  # per column, the fragments in order
    desc_raw: str = ""


def _cells(ln: _Line) -> list[str]:
    cells = [c.strip() for c in ln.text.split("\t")]
    while cells and not cells[-1]:
        cells.pop()
    return cells


NEW_SENTENCE_WITH_DATE = re.compile(r"[。!?;]\s*(?=(截至)?(\d{4}年)?\d{1,2}月\d{1,2}[日号])")


def _table(body: list[_Line], start: int, noise, dated_rows: bool = False) -> tuple[list[_Row], list[_Line]]:
    """Rows of the table whose caption is at body[start]; returns (rows, unplaced lines).

    A row starts on a line with an institution or product cell once the previous description has
    ended its sentence (or the new text opens with a date); otherwise the line's fragments extend
    the cells of the row above (a cell broken across lines or pages). With `dated_rows` a line
    whose text opens with a date (截至…) after a finished sentence starts a row even without its
    institution cell, which 表8's extraction often loses."""
    i = start + 1
    header: list[str] | None = None
    unplaced: list[_Line] = []
    rows: list[_Row] = []
    while i < len(body):
        ln = body[i]
        t = ln.text
        if SOURCE_LINE.match(squash(t)) or CAPTION.match(t) or CHAPTER.match(t) or SECTION.match(t):
            break
        if header is None:
            cells = _cells(ln)
            if len(cells) >= 2 and all(len(squash(c)) <= 14 for c in cells) and ("银行" in t or "机构" in t):
                header = [squash(c) for c in cells]
            elif ITEM.match(t) and "\t" not in ln.raw:
                break
            else:
                unplaced.append(ln)
            i += 1
            continue
        cells = _cells(ln)
        if [squash(c) for c in cells] == header:
            i += 1  # the header repeated at the top of a new page
            continue
        if (
            ITEM.match(t)
            and "\t" not in ln.raw
            and len(t) < 60
            and rows
            and SENTENCE_END.search(_desc(rows[-1]))
        ):
            break  # the next numbered heading after a table without a source line
        ncols = len(header)
        if len(cells) <= 1:
            parts = [""] * (ncols - 1) + [t]
        elif len(cells) >= ncols:
            parts = cells[: ncols - 1] + [" ".join(c for c in cells[ncols - 1 :] if c)]
        else:
            parts = _place_cells(cells, ncols)
        head_cells = parts[:-1]
        desc = parts[-1]
        cur = rows[-1] if rows else None
        ended = cur is None or not _desc(cur) or bool(SENTENCE_END.search(_desc(cur)))
        if (
            cur is not None
            and not ended
            and BANK.fullmatch(squash(head_cells[0]))
            and not STARTS_WITH_DATE.match(desc)
        ):
            # A whole institution name but the text opens mid-sentence: the tail of the row above
            # slid onto this line. Give it back up to the sentence end before the new date.
            m = NEW_SENTENCE_WITH_DATE.search(desc)
            if m:
                cur.cells[-1].append(desc[: m.start() + 1])
                desc = desc[m.end() :]
                parts[-1] = desc
                ended = True
        starts = (any(head_cells) and (ended or bool(STARTS_WITH_DATE.match(desc)))) or (
            dated_rows and ended and bool(re.match(r"^(截至)?\s*\d{4}\s*年", desc))
        )
        if starts or cur is None:
            raw_cells = [c.strip() for c in ln.raw.split("\t") if c.strip()]
            cur = _Row(ln.no, ln.raw, [[] for _ in range(ncols)], raw_cells[-1] if raw_cells else ln.raw)
            rows.append(cur)
        for k, part in enumerate(parts):
            if part:
                cur.cells[k].append(part)
        i += 1
    return rows, unplaced


def _place_cells(cells: list[str], ncols: int) -> list[str]:
    """Fewer cells than columns (a cell was lost): the last is the description when it reads
    like one, the first the institution when it names one."""
    out = [""] * ncols
    out[-1] = cells[-1]
    rest = cells[:-1]
    if rest and INSTITUTION_END.search(squash(rest[0])):
        out[0] = rest.pop(0)
    for k, c in enumerate(rest, start=1):
        if k < ncols - 1:
            out[k] = c
    return out


def _desc(row: _Row) -> str:
    return row.cells[-1][-1] if row.cells[-1] else ""


def _join(fragments: list[str]) -> str:
    return collapse(" ".join(fragments))


def _institution(cell: str, description: str) -> str:
    """The institution as written, spaces removed. A cell broken so that only its tail survived
    (`津分行`) or an empty one is completed from the bank the description names."""
    name = squash(cell)
    if name and BANK.fullmatch(name):
        return name
    flat = squash(description)
    candidates = [m.group(0) for m in BANK.finditer(flat)]
    if name:
        for c in candidates:
            if c.endswith(name) or c.startswith(name):
                return c
        return name
    return candidates[0] if candidates else ""


CLIENT = re.compile(r"为(.{2,40}?)(?:发放|提供|办理|投放|开立|量身定制|授信|成功办理|开通)")


def _cases(report: Report, number: int, table, places: Gazetteer) -> None:
    rows, unplaced = table
    report.unparsed.extend((ln.no, ln.raw.strip()) for ln in unplaced)
    for k, row in enumerate(rows, start=1):
        description = _join(row.cells[-1])
        institution = _institution(_join(row.cells[0]), description) if len(row.cells) > 1 else ""
        product = squash(_join(row.cells[1])) if len(row.cells) > 2 else ""
        product = re.sub(r"[\"“”]", "", product)
        if not institution and not description:
            report.unparsed.append((row.line, row.first_raw.strip()))
            continue
        amount, currency = deal_amount(description)
        client = ""
        m = CLIENT.search(squash(description))
        if m:
            client = m.group(1)
        province, city = _case_places(places, institution, squash(description))
        ex = excerpt(row.desc_raw)
        if len(squash(ex)) < 12:
            ex = excerpt(row.first_raw)
        report.cases.append(
            Case(
                locator=f"表{number} row {k}",
                line=row.line,
                institution=institution,
                product=product,
                description=description,
                date=first_date(description, report.year),
                amount=amount,
                currency=currency,
                client=client,
                province=province,
                city=city,
                excerpt=ex,
            )
        )


def _case_places(places: Gazetteer, institution: str, description: str) -> tuple[str | None, str | None]:
    """Where the deal happened: the branch's place (`南京银行徐州分行` → 徐州, not 南京), then
    a city the description names inside that province, then the bank's own name (长沙银行)."""
    bank, sep, branch = institution.rpartition("行")
    branch_place = places.province_city(branch) if sep else (None, None)
    province = branch_place[0]
    desc_province, desc_city = places.province_city(description)
    if province is None:
        province, city = places.province_city(bank)
        if province is None:
            return desc_province, desc_city
        if desc_city and desc_province == province:
            return province, desc_city
        return province, city
    if desc_city and desc_province == province:
        return province, desc_city
    return branch_place


# ---------------------------------------------------------------- 表8 figures

FIGURE = re.compile(
    r"(\d+(?:,\d{3})*(?:\.\d+)?)(万亿|亿|万|千)?(元|美元|个百分点|%|BP|bp|个基点|户|家|笔|万户)"
)
UNIT_OF = {
    "元": "CNY",
    "美元": "USD",
    "个百分点": "pct-point",
    "%": "%",
    "BP": "bp",
    "bp": "bp",
    "个基点": "bp",
}
PERIOD = re.compile(r"(截至\d{4}年(?:\d{1,2}月|[一二三四]季度)?末|截至\d{1,2}月末|[一二三四]季度末?|全年)")


def _metrics(report: Report, table, places: Gazetteer) -> None:
    """Figures of 表8: each number with its unit, the words before it as the indicator."""
    rows, unplaced = table
    report.unparsed.extend((ln.no, ln.raw.strip()) for ln in unplaced)
    for row in rows:
        text = squash(_join(row.cells[-1]))
        institution = _institution(_join(row.cells[0]), text)
        period_m = PERIOD.search(text)
        period = period_m.group(1) if period_m else ""
        k = 0
        prev_end = 0
        for m in FIGURE.finditer(text):
            if re.search(r"\d{4}年$", text[: m.start()]) or text[m.end() : m.end() + 1] in ("年", "月"):
                continue
            value = Decimal(m.group(1).replace(",", ""))
            if m.group(2):
                value *= {"万亿": 10**12, "亿": 10**8, "万": 10**4, "千": 10**3}[m.group(2)]
            unit = UNIT_OF.get(m.group(3), "count")
            clause = re.split(r"[,;。:、]", text[prev_end : m.start()])[-1]
            prev_end = m.end()
            k += 1
            report.metrics.append(
                Metric(
                    locator=f"表8 {institution} {k}",
                    line=row.line,
                    institution=institution,
                    indicator=clause,
                    value=value.quantize(Decimal(1)) if value == value.to_integral() else value,
                    unit=unit,
                    period=period,
                    excerpt=excerpt(row.desc_raw),
                )
            )


# ---------------------------------------------------------------- numbered policy items

LEVEL_OF_PLACE = {"province": "provincial", "city": "municipal", "district": "district"}


def _policies(report: Report, lines: list[_Line], part: str, places: Gazetteer, central: bool) -> None:
    """Numbered items (一、二、…): they run in sequence, so a nested 一、 inside an item's text
    is not taken for a new item."""
    items: list[tuple[int, _Line, str, list[_Line]]] = []
    expected = 1
    for ln in lines:
        m = ITEM.match(ln.text)
        n = cn_number(m.group(1)) if m else None
        if m and n in (expected, expected + 1) and len(ln.text) <= 90 and not ln.text.endswith("。"):
            items.append((n, ln, m.group(2), []))
            expected = n + 1
            continue
        if not items:
            report.unparsed.append((ln.no, ln.raw.strip()))
            continue
        n0, head, heading, body = items[-1]
        # A heading broken across lines: 《 still open, or a short tail right after it.
        if not body and (
            heading.count("《") > heading.count("》")
            or (len(ln.text) <= 12 and not SENTENCE_END.search(ln.text))
        ):
            items[-1] = (n0, head, heading + ln.text, body)
            continue
        body.append(ln)
    for n, head, heading, body in items:
        heading = collapse(heading)
        text = " ".join(b.text for b in body)
        titles = re.findall(r"《([^》]+)》", heading)
        subject = re.split(ISSUE_VERB, squash(heading), maxsplit=1)[0]
        subject = re.sub(r"等$", "", subject.split("《")[0])
        issuer = subject
        province = city = None
        level = "central"
        found = places.find_all(subject)
        if found:
            p = found[0]
            level = LEVEL_OF_PLACE[p.level]
            province = p.province
            city = p.name if p.level == "city" else None
            # A province issuing a district's or a city's document: the level is the lower one.
            if titles:
                inner = places.find_all(titles[0][:6])
                if (
                    inner
                    and inner[0].province == province
                    and inner[0].level != "province"
                    and titles[0].startswith(tuple(k for k, v in places.names.items() if v == inner[0]))
                ):
                    level = LEVEL_OF_PLACE[inner[0].level]
                    if inner[0].level == "city":
                        city = inner[0].name
            district_title = re.match(r"^[\u4e00-\u9fff]{2,4}[区县]", squash(titles[0])) if titles else None
            if district_title and level == "provincial":
                level = "district"
        if province and province.startswith(("北京", "上海", "天津", "重庆")):
            city = None
        summary = collapse(body[0].text) if body else ""
        report.policies.append(
            Policy(
                locator=f"{part} {_cn(n)}",
                line=head.no,
                heading=heading,
                document_title=squash(titles[0]) if titles else "",
                issuer=issuer,
                level=level,
                province=province,
                city=city,
                issued_date=first_date(text[:400], report.year),
                summary=summary[:300],
                excerpt=_heading_excerpt(head),
            )
        )


def _heading_excerpt(head: _Line) -> str:
    ex = excerpt(head.raw)
    m = re.match(rf"^\s*[{CN}]+\s*[、,,.]\s*", ex)
    stripped = ex[m.end() :] if m else ex
    return stripped if len(squash(stripped)) >= 12 else ex


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


# ---------------------------------------------------------------- products named in prose


def _products_in(report: Report, lines: list[_Line], locator) -> None:
    seen = {(p.locator, p.name) for p in report.products}
    for ln in lines:
        flat = squash(ln.text)
        for m in PRODUCT_NAME.finditer(flat):
            name = m.group(1)
            if not PRODUCT_END.search(name):
                continue
            loc = locator(ln)
            if (loc, name) in seen:
                continue
            seen.add((loc, name))
            banks = [b.group(0) for b in BANK.finditer(flat[: m.start()])]
            report.products.append(
                ProductMention(
                    locator=loc,
                    line=ln.no,
                    name=name,
                    institution=banks[-1] if banks else "",
                    excerpt=excerpt(ln.raw),
                )
            )


def _hot_topics(report: Report, lines: list[_Line]) -> None:
    start = next((i for i, ln in enumerate(lines) if squash(ln.text) == "本期热点"), None)
    if start is None:
        return
    chunk = []
    for ln in lines[start + 1 :]:
        flat = squash(ln.text)
        if flat in ("目录", "表录") or CHAPTER.match(ln.text):
            break
        chunk.append(ln)
    _products_in(report, chunk, lambda ln: "本期热点")


def _appendix_two(report: Report, lines: list[_Line], places: Gazetteer) -> None:
    start = next((i for i, ln in enumerate(lines) if re.match(r"^二\s*[、,.]", ln.text)), None)
    if start is None:
        return
    current = "附录二"
    chunk = []
    labels: dict[int, str] = {}
    for ln in lines[start + 1 :]:
        if ln.text in ("声明", "免责声明"):
            break
        m = SUB_ITEM.match(ln.text)
        if m and len(ln.text) < 60:
            current = f"附录二 ({m.group(1)})"
        labels[ln.no] = current
        chunk.append(ln)
    _products_in(report, chunk, lambda ln: labels[ln.no])
