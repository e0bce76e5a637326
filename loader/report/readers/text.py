"""Reading an issue from its extracted text."""

from __future__ import annotations

from ..layout import Layout, Line


def read_text(text: str) -> Layout:
    lines = [Line(no=i + 1, raw=raw) for i, raw in enumerate(text.splitlines())]
    return Layout(kind="text", text=text, lines=lines, tables=[])
