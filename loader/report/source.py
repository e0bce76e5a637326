"""From an uploaded file's bytes to the report's text, or a clear error naming what is wrong.

Checks run before anything is parsed or written: size, emptiness, the encoding, a PDF's text layer,
and signs of a truncated file. Text is extracted from PDFs with pypdfium2 (PDFium's own text
layer), a well-kept binding that needs no system packages."""

from __future__ import annotations

import re
from collections import Counter

from .text import norm

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

CHAPTER_HEAD = re.compile(r"^第\s*([一二三四五六七八九十]+)\s*章")


class ReportFileError(ValueError):
    """The file cannot be read as an issue of the report; the message names the problem."""


def report_text(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The text of an uploaded report (UTF-8 text or a PDF)."""
    if len(data) > max_bytes:
        raise ReportFileError(
            f"the file is {len(data) / 1048576:.1f} MB, over the upload limit of {max_bytes / 1048576:.0f} MB"
        )
    if not data.strip():
        raise ReportFileError("the file is empty")
    text = pdf_text(data) if data.lstrip()[:5] == b"%PDF-" else _decode(data)
    _check_complete(text)
    return text


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


def pdf_text(data: bytes) -> str:
    """Every page's text layer, pages separated by a form feed's worth of blank line."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ReportFileError(f"the PDF cannot be opened; it is damaged or truncated ({exc})") from None
    try:
        pages = []
        for page in pdf:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        pdf.close()
    text = "\n\n".join(p.replace("\r\n", "\n").replace("\r", "\n") for p in pages)
    if not text.strip():
        raise ReportFileError(
            f"the PDF has {len(pages)} page(s) but no text layer (a scan?): run OCR on it first, "
            "or upload the extracted text"
        )
    return text


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
