"""003's content as text in other layouts than its own tabs.

- tabs: the corpus in 003's own layout, each row one line of tab-separated cells: the control
  (a parser that reads 003 should read this; if not, the corpus is wrong, not the layouts);
- no_tabs: 003's text itself with every tab a single space (cells no longer marked);
- desc_first: each table row as its description paragraph, then the institution on its own
  line, then the product on its own line;
- bank_alone: the institution alone on a line, the product on the next, then a blank line and
  the description as its own paragraph;
- pdftotext_layout: `pdftotext -layout` of a rendered PDF (columns by runs of spaces).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from .extract import Issue, Table, paragraphs


def no_tabs(text: str) -> str:
    return text.replace("\t", " ")


def _issue_text(issue: Issue, row_lines, header_sep: str = " ") -> str:
    out = ["", issue.title, "", issue.date, "", issue.publisher, ""]
    for block in issue.blocks:
        if isinstance(block, Table):
            out += ["", block.caption, "", header_sep.join(block.header)]
            for row in block.rows:
                if header_sep == " ":
                    out.append("")  # rows as paragraphs, apart by a blank line
                out += row_lines(block, row.cells)
            out.append("")
            if block.source:
                out += [block.source, ""]
        else:
            out.append(block)
    return "\n".join(out) + "\n"


def tabs(issue: Issue) -> str:
    def lines(table: Table, cells: list[str]) -> list[str]:
        return ["\t".join(" ".join(paragraphs(c)) for c in cells)]

    return _issue_text(issue, lines, header_sep="\t")


def desc_first(issue: Issue) -> str:
    def lines(table: Table, cells: list[str]) -> list[str]:
        rest = [cells[0]] + ([cells[1]] if table.has_product and cells[1] else [])
        return [*paragraphs(cells[-1]), *rest]

    return _issue_text(issue, lines)


def bank_alone(issue: Issue) -> str:
    def lines(table: Table, cells: list[str]) -> list[str]:
        head = [cells[0]] + ([cells[1]] if table.has_product and cells[1] else [])
        return [*head, "", *paragraphs(cells[-1])]

    return _issue_text(issue, lines)


def pdftotext_layout(pdf: bytes) -> str:
    """`pdftotext -layout` of the PDF; raises FileNotFoundError when poppler-utils is missing."""
    exe = shutil.which("pdftotext")
    if exe is None:
        raise FileNotFoundError("pdftotext (poppler-utils) is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "issue.pdf"
        path.write_bytes(pdf)
        done = subprocess.run(
            [exe, "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=60
        )
    return done.stdout.decode("utf-8")
