"""Shared fixtures for the report parser tests.

Resolution goes through loader.resolve.Resolver, the same one the importer uses.
"""

from __future__ import annotations

import pytest

from loader.resolve import Resolver

REPORT_003 = "003_6aa2ce7c6a878419.txt"


@pytest.fixture
def report_text(seeds_dir):
    """003 itself, read from the seeds (never copied into the repository); `seeds_dir` skips
    outside CI and fails in CI when the documents are missing."""
    return (seeds_dir / REPORT_003).read_text(encoding="utf-8")


@pytest.fixture
def resolve(db):
    """Institution as written → its head office's full name, places → full region names, both
    through the one resolver (loader.resolve.Resolver), as the importer and its preview do."""
    from loader.services import preview_resolver

    return preview_resolver(Resolver())
