"""Parse one issue of the monthly guide (中小企业金融产品与业务创新指引) from what a reader made of it.

Written for the layout family, not for one issue: a reader (readers/) turns the file into running
text and tables of rows, whatever it was; sections are found by their headings (the last
occurrence, so a table of contents before the body is skipped whatever its order), tables are read
by their kind (tables.py), numbered items and products named in prose by items.py.
"""

from __future__ import annotations

from catalogue.numerals import cn_number

from .errors import ReportFormatError
from .items import appendix_two, hot_topics, policy_items
from .layout import Layout, Line, Table
from .places import Gazetteer, gazetteer
from .readers.text import read_text
from .records import Case, Metric, Policy, ProductMention, Report
from .sections import (
    APPENDIX,
    CHAPTER,
    SECTION,
    column_roles,
    heading_number,
    is_heading,
    issue_meta,
    last_occurrences,
    page_noise,
)
from .tables import is_figures, table_cases, table_metrics
from .text import squash

__all__ = ["Case", "Metric", "Policy", "ProductMention", "Report", "parse_report"]


def parse_report(source: str | Layout) -> Report:
    """Parse one issue (its text, or a reader's Layout); raises ReportFormatError when it is not
    an issue of the report."""
    layout = read_text(source) if isinstance(source, str) else source
    if not layout.text.strip():
        raise ReportFormatError("the file is empty")
    title, year, month, publisher = issue_meta(layout.lines)
    report = Report(title=title, year=year, month=month, publisher=publisher)
    noise = page_noise(layout.lines, {squash(title), squash(publisher)})
    body = [ln for ln in layout.lines if ln.text and not noise(ln)]
    places = gazetteer()

    chapters = last_occurrences(body, CHAPTER, key=heading_number)
    if not layout.tables and not chapters:
        raise ReportFormatError(
            "no tables (表1…) and no chapters (第一章…): not an issue of the monthly report"
        )
    for table in layout.tables:
        _read_table(report, table, places)
    _read_chapters(report, body, chapters, places)
    appendix = next((i for i in range(len(body) - 1, -1, -1) if APPENDIX.match(body[i].text)), None)
    if appendix is not None:
        appendix_two(report, body[appendix + 1 :], places)
    hot_topics(report, layout.lines)
    if not report.cases and not report.policies:
        raise ReportFormatError("no table rows (表1…表7) and no numbered policy items (第三章, 第五章) found")
    report.unparsed.sort()
    return report


def _read_table(report: Report, table: Table, places: Gazetteer) -> None:
    """One table's rows into cases or figures; a table whose columns could not be read is reported."""
    report.tables += 1
    report.table_lines += table.source_lines
    if _implausible(table):
        # Read into a header or cells no table of the report has: reported, not trusted, so the
        # import needs a curator's attention instead of drafting what the reader guessed.
        report.unplaced_table_lines += max(table.source_lines, len(table.rows), 1)
        report.unparsed.append((table.line, f"{table.caption}: its columns could not be read"))
        return
    report.unplaced_table_lines += len(table.unplaced)
    report.unparsed.extend((ln.no, ln.raw.strip()) for ln in table.unplaced)
    if table.number is None:
        return
    if is_figures(table):
        table_metrics(report, table)
    else:
        table_cases(report, table, places)


def _read_chapters(report: Report, body: list[Line], chapters: dict[int, int], places: Gazetteer) -> None:
    """The numbered policy items of 第三章第一节 (central) and 第五章 (local)."""
    if 3 in chapters:
        start = chapters[3]
        end = _next_heading(body, start + 1)
        first = next((i for i in range(start + 1, end) if _section_no(body[i]) == 1), None)
        if first is not None:
            stop = next((i for i in range(first + 1, end) if _section_no(body[i])), end)
            policy_items(report, body[first + 1 : stop], "第三章第一节", places, central=True)
    if 5 in chapters:
        start = chapters[5]
        policy_items(
            report, body[start + 1 : _next_heading(body, start + 1)], "第五章", places, central=False
        )


def _implausible(table: Table) -> bool:
    """A header cell longer than a column's name, or institution cells longer than any name."""
    if any(len(h) > 20 for h in table.header):
        return True
    roles = column_roles(table.header)
    if "institution" not in roles:
        return False
    k = roles.index("institution")
    return any(len(squash(row.cells[k])) > 40 for row in table.rows if k < len(row.cells))


def _section_no(ln: Line) -> int | None:
    m = SECTION.match(ln.text)
    return cn_number(m.group(1)) if m else None


def _next_heading(body: list[Line], start: int) -> int:
    for i in range(start, len(body)):
        if is_heading(body[i].text) and not SECTION.match(body[i].text):
            return i
    return len(body)
