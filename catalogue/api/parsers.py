"""The API's JSON parser: DRF's, with a bound on nesting so a small hostile body (1,000 levels of
`[`) is a 400 instead of a RecursionError in the decoder or in the serializers after it, and no
control characters in its strings (the rule of catalogue.middleware for paths, queries and forms:
PostgreSQL refuses `\u0000` in text and jsonb, which was a 500)."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from catalogue.middleware import control_characters

# Submissions nest three levels (case → sources → source); the margin is for future fields.
MAX_DEPTH = 20


def depth_exceeds(data: Any, limit: int) -> bool:
    """Whether containers in `data` nest deeper than `limit` (iterative: no recursion to exhaust)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except ParseError as exc:
            # DRF's message carries the decoder's English words; say where, in the request's language.
            cause = exc.__context__
            if isinstance(cause, json.JSONDecodeError):
                where = {"line": cause.lineno, "column": cause.colno}
                raise ParseError(_("JSON parse error at line %(line)s, column %(column)s.") % where) from None
            raise ParseError(_("JSON parse error: the body is not UTF-8 JSON.")) from None
        except RecursionError:
            raise ParseError(
                _("JSON parse error - nested deeper than %(levels)s levels.") % {"levels": MAX_DEPTH}
            ) from None
        if depth_exceeds(data, MAX_DEPTH):
            raise ParseError(
                _("JSON parse error - nested deeper than %(levels)s levels.") % {"levels": MAX_DEPTH}
            )
        if holds_control_characters(data):
            raise ParseError(_("JSON parse error - control characters (such as NUL) in a string."))
        return data


def holds_control_characters(data: Any) -> bool:
    """Whether a key or string in `data` holds a control character (tab, newline, CR allowed)."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if control_characters(value, text_area=True):
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False
