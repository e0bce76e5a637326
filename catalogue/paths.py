"""URL patterns the record pages share (the institutions, products, cases and policies pages)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.urls import URLPattern, get_script_prefix, get_urlconf, path, reverse
from django.utils.translation import get_language


def record_pages(
    prefix: str, basename: str, list_view: Callable, export_view: Callable, detail_view: Callable
) -> list[URLPattern]:
    """A record's list page, its export and one record's page: `<prefix>/`, `<prefix>/export.<fmt>`
    and `<prefix>/<pk>/`, named `<basename>-list`, `-export` and `-detail` as the API's router names
    the same records."""
    return [
        path(f"{prefix}/", list_view, name=f"{basename}-list"),
        path(f"{prefix}/export.<str:fmt>", export_view, name=f"{basename}-export"),
        path(f"{prefix}/<int:pk>/", detail_view, name=f"{basename}-detail"),
    ]


# Digits, so the int and str converters both accept it, and long enough never to occur elsewhere
# in a record page's path.
_PLACEHOLDER = "987654321987654321"


@lru_cache(maxsize=256)
def _url_around(name: str, prefix: str, urlconf: Any, language: str | None) -> tuple[str, str]:
    """A one-argument URL pattern reversed once, as (before the argument, after it). The key
    holds everything reverse() reads besides the name (the script prefix, a request's urlconf,
    the language of any language-prefixed pattern), so a cached pair is what it would build."""
    url = reverse(name, args=[_PLACEHOLDER], urlconf=urlconf)
    head, found, tail = url.partition(_PLACEHOLDER)
    if not found:
        raise ValueError(f"{name} does not place its argument in the path")
    return head, tail


def record_path(name: str, value: Any) -> str:
    """`reverse(name, args=[value])` for one-argument record URLs, without a reverse() per link.
    A list page of 20 cases links 80 records (case, institution, province, city); reversing each
    took about a quarter of the page's rendering. Values other than plain digits (which need no
    quoting and match every converter the record pages use) go through reverse() as before."""
    text = str(value)
    if not (text.isascii() and text.isdigit()):
        return reverse(name, args=[value])
    head, tail = _url_around(name, get_script_prefix(), get_urlconf(), get_language())
    return f"{head}{text}{tail}"
