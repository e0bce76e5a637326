"""The issue's furniture, shared by the readers and the parsers: headings (第N章, 第N节, 表N, 附录,
numbered items), the title page (title, year and month, publisher), and page noise (running headers,
footers, page numbers) wherever it falls."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from catalogue.numerals import cn_number

from .errors import ReportFormatError
from .layout import Line
from .text import PAGE_NUMBER, SOURCE_LINE, squash

CN = "一二三四五六七八九十百"
CHAPTER = re.compile(rf"^第([{CN}]+)章\s*(.{{0,40}})$")
SECTION = re.compile(rf"^第([{CN}]+)节\s*(.{{0,60}})$")
CAPTION = re.compile(r"^表\s*(\d+)\s*(.{0,60})$")
APPENDIX = re.compile(r"^附\s*录\s*$")
ITEM = re.compile(rf"^([{CN}]+)\s*[、,.]\s*(\S.*)$")
SUB_ITEM = re.compile(rf"^\(([{CN}]+)\)\s*(\S.*)$")
TITLE_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月$")
# A table of contents entry ends in its page number (after dots, spaces or a tab).
TOC_ENTRY = re.compile(r"(\t|\.{2,}|…+|•+|\s)\s*\.?\d{1,3}\s*$")


def issue_meta(lines: Sequence[Line]) -> tuple[str, int, int, str]:
    """(title, year, month, publisher) from the title page: the lines before the issue's date are
    the title, the line after it the publisher when it names an organisation."""
    head = [ln for ln in lines[:60] if ln.text][:40]
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
            return title, int(m.group(1)), int(m.group(2)), publisher
    raise ReportFormatError("no title page with the issue's year and month (e.g. 2024年5月) at the top")


def page_noise(lines: Sequence[Line], fixed: set[str]) -> Callable[[Line], bool]:
    """Page headers, footers and numbers: the title and publisher (`fixed`), bare page numbers
    (`12`, `第 3 页`, `- 4 -`), and short lines that repeat on many pages."""
    counts = Counter(squash(ln.text) for ln in lines if ln.text)
    fixed = {f for f in fixed if f}

    def is_noise(ln: Line) -> bool:
        flat = squash(ln.text)
        if not flat or flat in fixed or PAGE_NUMBER.match(ln.text):
            return True
        return counts[flat] >= 4 and len(flat) <= 30 and not SOURCE_LINE.match(flat) and "\t" not in ln.raw

    return is_noise


def last_occurrences(lines: Sequence[Line], pattern: re.Pattern, key: Callable) -> dict[int, int]:
    """Heading number → index of its last occurrence (a table of contents comes first, and its
    entries carry page numbers)."""
    found: dict[int, int] = {}
    for i, ln in enumerate(lines):
        if "\t" in ln.raw.strip():
            continue  # table-of-contents entries carry their page number after a tab
        m = pattern.match(ln.text)
        if m and not ln.text.endswith("。"):
            k = key(m)
            if k is not None:
                found[k] = i
    return found


def caption_number(m: re.Match) -> int:
    return int(m.group(1))


def heading_number(m: re.Match) -> int | None:
    return cn_number(m.group(1))


def is_heading(text: str) -> bool:
    """A line that ends whatever section or table came before it."""
    return bool(CHAPTER.match(text) or SECTION.match(text) or APPENDIX.match(text)) or text in (
        "声明",
        "免责声明",
    )


# What each column of a table holds, by its header's words (the order of the checks matters:
# 产品创新点 describes, 新推金融产品 names the product, 银行名称 the institution).
HEADER_ROLES = (
    ("serial", re.compile(r"^(序号|编号|No\.?)$", re.I)),
    ("date", re.compile(r"^(日期|时间|落地时间|落地日期)$")),
    ("amount", re.compile(r"^(金额|规模|额度)(\(.*\))?$")),
    ("description", re.compile(r"(创新点|特点|介绍|情况|内容|简介|说明|亮点|描述|案例)")),
    ("product", re.compile(r"(产品|业务)")),
    ("institution", re.compile(r"(银行|机构|名称|单位)")),
)


def column_roles(header: Sequence[str]) -> list[str]:
    """One role per column: serial, date, amount, description, product, institution or other."""
    roles = [next((r for r, pattern in HEADER_ROLES if pattern.search(name)), "other") for name in header]
    if roles and "description" not in roles:
        roles[-1] = "description"  # the last, widest column describes
    if "institution" not in roles:
        first = next((i for i, r in enumerate(roles) if r not in ("serial", "description")), None)
        if first is not None:
            roles[first] = "institution"
    return roles
