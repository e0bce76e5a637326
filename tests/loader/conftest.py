"""Shared fixtures for the report parser tests.

Resolution goes through loader.resolve.Resolver, the same one the importer uses.
"""

from __future__ import annotations

import os
import shutil

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


@pytest.fixture
def corpus(seeds_dir):
    """`corpus(name)` → the bytes of that layout of 003 (tests/loader/corpus/variants.py), made at
    test time and cached for the session. A `pdftotext -layout` variant skips where poppler-utils
    is missing, and fails in CI, which installs it (.ci/run)."""
    from tests.loader.corpus.variants import NEEDS_PDFTOTEXT, variant

    def make(name: str) -> bytes:
        if name in NEEDS_PDFTOTEXT and shutil.which("pdftotext") is None:
            if os.environ.get("CI"):
                pytest.fail("pdftotext (poppler-utils) is missing: the layout-* variants cannot be made")
            pytest.skip("pdftotext (poppler-utils) is not installed: no layout-* variants")
        return variant(seeds_dir, name)

    return make
