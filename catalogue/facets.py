"""Facet labels that need no vocabulary table: choices, the values themselves, or none."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils.text import capfirst


def choice_labels(choices: list[tuple[str, Any]]) -> Callable[[Iterable[Any]], dict[Any, str]]:
    names = dict(choices)
    return lambda keys: {k: capfirst(str(names.get(k, k))) for k in keys}


def plain_labels(keys: Iterable[Any]) -> dict[Any, str]:
    return {k: str(k) for k in keys}


def no_labels(keys: Iterable[Any]) -> dict[Any, str]:
    return {}
