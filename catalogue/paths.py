"""URL patterns the record pages share (the institutions, products, cases and policies pages)."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import URLPattern, path


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
