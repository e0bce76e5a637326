"""Reading an issue from its PDF."""

from __future__ import annotations

from ..errors import ReportFileError
from ..layout import Layout
from .text import read_text


def read_pdf(data: bytes) -> Layout:
    """Every page's text layer (pypdfium2), read as text."""
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
    layout = read_text(text)
    layout.kind, layout.pages = "pdf", len(pages)
    return layout
