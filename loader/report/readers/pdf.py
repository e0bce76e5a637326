"""Reading an issue from its PDF by the geometry of its text (pdfplumber).

A PDF's text layer has no tabs and no line breaks inside cells: a table is only glyphs placed in
columns, so tables are read from where things are on the page (pdf_tables.py). This module gets
the glyphs, rules and images of each page, and refuses a file that cannot be read that way, with
the reason: damaged or truncated, encrypted, no text layer (a scan, or a table pasted as a
picture), or a text layer that is mojibake. Glyphs come from pdfminer (through pdfplumber), with
the few it drops put back from pdfium's text.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

from ..errors import ReportFileError
from ..layout import Layout
from ..text import norm
from .pdf_tables import CAPTION, CJK, RawPage, anchor, layout_of, visual_lines

# Glyphs whose text layer says nothing: pdfminer's unmapped "(cid:N)", the Private Use Area,
# the replacement character, C0/C1 controls.
UNREADABLE = re.compile(r"^\(cid:\d+\)$|^[\ue000-\uf8ff\ufffd\x00-\x08\x0e-\x1f\x7f-\x9f]$")
# What pdfium's text holds that is no glyph: its marks for a soft hyphen / line-end hyphen.
PDFIUM_MARKS = {"\ufffe", "\uffff", "\u00ad", "\u0002"}
# The commonest characters of any Chinese prose (and of this report): a text layer mapped to the
# wrong characters (a broken ToUnicode/CMap) still shows CJK, but almost none of these.
COMMON_CJK = set("的一是在了和有不为业中行年月国发金融银企人这大上以个地对会到进作服务小型")


def read_pdf(data: bytes) -> Layout:
    """An issue's PDF as a Layout: running text as Lines, tables as rows of cells read from the
    page geometry. Raises ReportFileError naming the problem for a PDF that cannot be read."""
    _check_opens(data)
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if getattr(pdf.doc, "encryption", None):
                raise ReportFileError(_ENCRYPTED)
            raw = [_raw_page(page, i + 1) for i, page in enumerate(pdf.pages)]
    except ReportFileError:
        raise
    except PDFPasswordIncorrect:
        raise ReportFileError(_ENCRYPTED) from None
    except Exception as exc:  # pdfminer raises many types for a broken file
        raise ReportFileError(f"the PDF cannot be read; it is damaged or truncated ({exc})") from None
    _check_text_layer(raw)
    restored = _restore_dropped(data, raw)
    layout = layout_of(raw)
    if restored:
        layout.notes.append(f"{restored} glyph(s) missing from pdfminer's text taken from pdfium's")
    return layout


_ENCRYPTED = (
    "the PDF is encrypted (password-protected or with restricted permissions): save an unprotected "
    "copy, or upload the extracted text"
)


def _check_opens(data: bytes) -> None:
    """pdfium refuses a damaged or truncated file that pdfminer would half-read without a word."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ReportFileError(_ENCRYPTED) from None
        raise ReportFileError(f"the PDF cannot be opened; it is damaged or truncated ({exc})") from None
    pdf.close()


def _restore_dropped(data: bytes, raw: list[RawPage]) -> int:
    """Glyphs pdfminer drops and pdfium reads (e.g. · and • in a non-embedded CID font whose CMap
    pdfminer lacks them in), put back after the glyph before them in the page's text order. Only
    pages where pdfium has glyphs pdfminer lacks are walked, so most pages cost one count."""
    import pypdfium2 as pdfium

    restored = 0
    pdf = pdfium.PdfDocument(data)
    try:
        for r, page in zip(raw, pdf, strict=False):
            restored += _restore_page(page, r.chars)
    finally:
        pdf.close()
    return restored


def _restore_page(page: Any, chars: list[dict]) -> int:
    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        text = textpage.get_text_range(0, n)
        if len(text) != n:
            return 0  # characters outside the BMP: indices do not line up, leave the page
        wanted = [
            i
            for i in range(n)
            if not text[i].isspace()
            and text[i] not in PDFIUM_MARKS
            and not pdfium_c.FPDFText_IsGenerated(textpage, i)
        ]
        if not Counter(text[i] for i in wanted) - Counter(c["text"] for c in chars):
            return 0
        # Both lists are in the content stream's order: walk them side by side; a pdfium glyph
        # with no counterpart in pdfminer's next few is one pdfminer dropped.
        solid = [c for c in chars if not c["text"].isspace()]
        j = 0
        added = []
        for i in wanted:
            ahead = next((k for k in range(j, min(j + 4, len(solid))) if solid[k]["text"] == text[i]), None)
            if ahead is not None:
                j = ahead + 1
            elif j and not UNREADABLE.match(text[i]):
                # zero width at the end of the glyph before it: it sorts right after that glyph
                prev = solid[j - 1]
                added.append({**prev, "text": text[i], "x0": prev["x1"] - 0.01, "x1": prev["x1"]})
        chars += added
        return len(added)
    finally:
        textpage.close()


def _raw_page(page: Any, number: int) -> RawPage:
    """What one page holds: its glyphs, its images and its ruled tables (pdfplumber objects)."""
    x0, top, x1, bottom = page.bbox
    chars = []
    seen = set()
    for c in page.chars:
        if not c.get("upright", True) or not (x0 <= anchor(c) < x1 and top <= c["top"] <= bottom):
            continue
        # A glyph drawn twice in place (fake bold, overprinting) is read once. (pdfplumber's
        # dedupe_chars does this too, but sorts every page's glyphs by many keys: slow.)
        key = (c["text"], round(c["x0"], 1), round(c["top"], 1))
        if key not in seen:
            seen.add(key)
            chars.append(c)
    images = list(page.images)
    grids = []
    if page.edges:  # the table finder needs rules; most pages of running text have none
        grids = page.find_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"})
    found = [(g.bbox, [r.cells for r in g.rows]) for g in grids]
    return RawPage(number, float(page.width), float(page.height), chars, images, found)


def _check_text_layer(raw: list[RawPage]) -> None:
    """No glyphs at all (a scan), tables that are images, or glyphs whose text is unreadable."""
    chars = [c for r in raw for c in r.chars if not c["text"].isspace()]
    if not chars:
        raise ReportFileError(
            f"the PDF has {len(raw)} page(s) but no text layer (a scan?): run OCR on it first, "
            "or upload the extracted text"
        )
    bare = [r.number for r in raw if _scanned(r)]
    if len(bare) > len(raw) / 2:
        raise ReportFileError(
            f"{len(bare)} of the PDF's {len(raw)} pages are images with no text layer (a scan?): "
            "run OCR on it first, or upload the extracted text"
        )
    _check_table_images(raw)
    why = _mojibake(chars)
    if why:
        raise ReportFileError(
            f"the text layer is not readable (mojibake): {why}. Export the PDF again with its fonts' "
            "character maps, or upload the extracted text"
        )


def _check_table_images(raw: list[RawPage]) -> None:
    """A table pasted as a picture under its caption cannot be read."""
    for r in raw:
        for image in r.images:
            caption = _caption_above(r.chars, image)
            if caption:
                raise ReportFileError(
                    f"{caption} on page {r.number} is an image with no text layer (a scan?): its rows "
                    "cannot be read; upload a PDF with the table as text, or the extracted text"
                )


def _mojibake(chars: list[dict]) -> str | None:
    """Why the glyphs' text is not readable text, or None when it is."""
    unreadable = sum(1 for c in chars if UNREADABLE.match(c["text"]))
    cjk = [c["text"] for c in chars if CJK.match(c["text"])]
    common = sum(1 for t in cjk if t in COMMON_CJK)
    foreign = sum(1 for c in chars if not c["text"].isascii() and not CJK.match(c["text"]))
    if unreadable > 0.2 * len(chars):
        return f"{unreadable} of {len(chars)} glyphs have no character (unmapped, private-use or replacement)"
    if len(cjk) >= 200 and common < 0.04 * len(cjk):
        return "its Chinese characters are not Chinese text (the font's character map is wrong)"
    if len(cjk) < 0.05 * len(chars) and foreign > 0.3 * len(chars):
        return "it has no Chinese characters but many accented Latin ones (GBK read as Latin-1?)"
    return None


def _scanned(page: RawPage) -> bool:
    """A page that is a picture: an image over most of it and hardly any text of its own (a stamp,
    a page number)."""
    area = sum((im["x1"] - im["x0"]) * (im["bottom"] - im["top"]) for im in page.images)
    solid = sum(1 for c in page.chars if not c["text"].isspace())
    return bool(page.images) and (solid == 0 or (solid < 40 and area >= 0.4 * page.width * page.height))


def _caption_above(chars: list[dict], image: dict) -> str | None:
    """`表 N` written just above a wide image: a table pasted as a picture."""
    if image["x1"] - image["x0"] < 150 or image["bottom"] - image["top"] < 40:
        return None
    above = [c for c in chars if image["top"] - 40 <= c["bottom"] <= image["top"] + 2]
    inside = [c for c in chars if not c["text"].isspace() and image["top"] <= c["top"] <= image["bottom"]]
    inside = [c for c in inside if image["x0"] <= c["x0"] <= image["x1"]]
    if len(inside) > 20:
        return None  # text over the picture (a background): the table is text
    for line in visual_lines(above, 0):
        m = CAPTION.match(norm(line.text).strip())
        if m:
            return f"表{m.group(1)}"
    return None
