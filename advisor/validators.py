"""Validators for the short texts a user names things with (saved searches, shortlists)."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Control (Cc: CR, LF, NUL, tab …), format (Cf: bidi overrides, zero-width), line and paragraph
# separators and lone surrogates. A name travels into mail headers (the digest's Subject), feed
# titles and pages: a line break there is a header injection, a bidi override a spoofed name.
REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs"}


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(ch) in REFUSED_CATEGORIES for ch in value)


CONTROL_CHARACTERS_MESSAGE = _("Names may not contain line breaks or other control characters.")


def refuse_control_characters(value: str) -> None:
    if has_control_characters(value):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control_characters")


def one_line(value: str) -> str:
    """`value` with refused characters turned into spaces: for rows stored before validation."""
    return "".join(" " if unicodedata.category(ch) in REFUSED_CATEGORIES else ch for ch in value)
