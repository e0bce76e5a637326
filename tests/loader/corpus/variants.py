"""Every layout of the corpus by name, as the bytes an upload would carry. Built on demand and
cached per process (rendering takes time; the same seeds give the same bytes)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .extract import extract_issue, read_003
from .render_pdf import render_pdf
from .render_text import bank_alone, desc_first, no_tabs, pdftotext_layout, tabs

# "003" is the issue's own text; "tabs" the corpus set back in 003's own layout (the control);
# pdf-* are reportlab PDFs by table style; layout-* are `pdftotext -layout` of two of them; the
# rest are text exports in other shapes.
VARIANTS = (
    "003",
    "tabs",
    "pdf-grid",
    "pdf-booktabs",
    "pdf-serial",
    "pdf-centred",
    "pdf-plain",
    "no-tabs",
    "layout-grid",
    "layout-booktabs",
    "desc-first",
    "bank-alone",
)
NEEDS_PDFTOTEXT = ("layout-grid", "layout-booktabs")


@cache
def variant(seeds_dir: Path, name: str) -> bytes:
    """The named variant of 003 as a file's bytes (UTF-8 for text, a PDF otherwise).
    layout-* raise FileNotFoundError when pdftotext is not installed."""
    if name == "003":
        return read_003(seeds_dir).encode("utf-8")
    if name == "no-tabs":
        return no_tabs(read_003(seeds_dir)).encode("utf-8")
    if name.startswith("pdf-"):
        return render_pdf(extract_issue(seeds_dir), name.removeprefix("pdf-"))
    if name.startswith("layout-"):
        return pdftotext_layout(variant(seeds_dir, "pdf-" + name.removeprefix("layout-"))).encode("utf-8")
    if name == "tabs":
        return tabs(extract_issue(seeds_dir)).encode("utf-8")
    if name == "desc-first":
        return desc_first(extract_issue(seeds_dir)).encode("utf-8")
    if name == "bank-alone":
        return bank_alone(extract_issue(seeds_dir)).encode("utf-8")
    raise ValueError(f"unknown corpus variant {name!r}; one of {', '.join(VARIANTS)}")
