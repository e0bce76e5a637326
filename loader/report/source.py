"""From an uploaded file's bytes to the issue as read (readers/), or a clear error naming what is wrong.

Checks run before anything is parsed or written: size, emptiness, the encoding, a PDF's text layer,
and signs of a truncated file. A PDF goes to the PDF reader (tables by their geometry), anything else
must be UTF-8 text and goes to the text reader (rows by what they say)."""

from __future__ import annotations

import re
from collections import Counter

from .errors import ReportFileError
from .layout import Layout
from .readers.pdf import read_pdf
from .readers.text import read_text
from .text import norm

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

CHAPTER_HEAD = re.compile(r"^第\s*([一二三四五六七八九十]+)\s*章")


def is_pdf(data: bytes) -> bool:
    return data.lstrip()[:5] == b"%PDF-"


def check_report_file(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """The cheap checks (size, emptiness, encoding) that an upload form runs before storing a file."""
    if len(data) > max_bytes:
        raise ReportFileError(
            f"the file is {len(data) / 1048576:.1f} MB, over the upload limit of {max_bytes / 1048576:.0f} MB"
        )
    if not data.strip():
        raise ReportFileError("the file is empty")
    if not is_pdf(data):
        _decode(data)


def read_issue(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Layout:
    """An uploaded issue (UTF-8 text or a PDF) as read: running text and tables of rows."""
    check_report_file(data, max_bytes=max_bytes)
    layout = read_pdf(data) if is_pdf(data) else read_text(_decode(data))
    _check_complete(layout.text)
    return layout


def report_text(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The text of an uploaded report as its reader reads it (what excerpts are checked against)."""
    return read_issue(data, max_bytes=max_bytes).text


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        raise ReportFileError("the file is neither UTF-8 text nor a PDF") from None
    raise ReportFileError(
        "the file is encoded in GBK/GB18030, not UTF-8: save it as UTF-8 (or upload the PDF) and try again"
    )


def _check_complete(text: str) -> None:
    """A truncated issue: its table of contents names chapters the text never reaches. A complete
    issue names each chapter twice (contents and body); the contents alone name the missing ones."""
    counts = Counter()
    for raw in text.splitlines():
        m = CHAPTER_HEAD.match(norm(raw).strip())
        if m:
            counts[m.group(1)] += 1
    if not counts or max(counts.values()) < 2:
        return  # no table of contents to compare against
    missing = [f"第{c}章" for c, n in counts.items() if n < 2]
    if missing:
        raise ReportFileError(
            f"the file ends early: the table of contents lists {', '.join(missing)} but the text never "
            "reaches it (a truncated file?)"
        )
