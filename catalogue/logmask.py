"""Secrets that travel in URLs (share, feed, unsubscribe, confirmation and password-reset links)
kept out of the logs: a filter that masks them in a record's message and its path, query and
request fields, before any handler formats it. The patterns are settings (LOG_MASKED_PATHS): the
URLs belong to the apps, this base module knows none of them."""

from __future__ import annotations

import logging
import re
from functools import cache

from django.conf import settings

MASK = "***"
# Query parameters whose values are secrets wherever they appear.
SECRET_PARAMS = re.compile(
    r"(?i)((?:^|[?&;])[^=&;]*(?:token|secret|signature|password|api_key|apikey|sig)[^=&;]*=)[^&;#\s]*"
)


@cache
def _patterns(raw: tuple[str, ...]) -> list[re.Pattern[str]]:
    return [re.compile(p) for p in raw]


def mask(text: str) -> str:
    """`text` with every group of the LOG_MASKED_PATHS patterns, and secret query values, as ***."""
    for pattern in _patterns(tuple(getattr(settings, "LOG_MASKED_PATHS", ()))):
        text = pattern.sub(lambda m: _masked(m), text)
    return SECRET_PARAMS.sub(lambda m: m.group(1) + MASK, text)


def _masked(match: re.Match[str]) -> str:
    whole, start = match.group(0), match.start(0)
    out, pos = [], 0
    for i in range(1, (match.re.groups or 0) + 1):
        if match.start(i) < 0:
            continue
        out += [whole[pos : match.start(i) - start], MASK]
        pos = match.end(i) - start
    return "".join(out) + whole[pos:]


class MaskSecretsFilter(logging.Filter):
    """Rewrites the record in place (so every handler after it, caplog included, sees it masked)."""

    FIELDS = ("path", "query", "path_info", "full_path")

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave the record to the handler as it is
            return True
        record.msg, record.args = mask(message), None
        for field in self.FIELDS:
            value = getattr(record, field, None)
            if isinstance(value, str):
                setattr(record, field, mask(value))
        request = getattr(record, "request", None)
        if request is not None and not isinstance(request, str):
            # django.request attaches the request; JSON formatters would print its repr, path included.
            record.request = f"<{getattr(request, 'method', '')} {mask(getattr(request, 'path', ''))}>"
        return True
