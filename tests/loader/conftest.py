"""Shared fixtures for the report parser tests.

The resolver used to turn drafts into catalogue names lives, for now, in catalogue.importer; after
the loader app move (issue 8) it becomes loader.resolve. This is the ONLY place the tests import it.
"""

from __future__ import annotations

import pytest

from loader.resolve import CatalogueDataError, Resolver

REPORT_003 = "003_6aa2ce7c6a878419.txt"


@pytest.fixture
def report_text(seeds_dir):
    """003 itself, read from the seeds (never copied into the repository); `seeds_dir` skips
    outside CI and fails in CI when the documents are missing."""
    return (seeds_dir / REPORT_003).read_text(encoding="utf-8")


@pytest.fixture
def resolve(db):
    """Institution as written → its head office's full name (exact name or alias, else the longest
    known name it starts with: 交行张家界分行 → 交行 → 交通银行); places → full region names."""
    r = Resolver()
    r.refresh_institutions()
    names = r.institutions

    def head_office(name: str | None) -> str | None:
        if not name:
            return None
        inst = names.get(name)
        if inst is None:
            known = [k for k in names if name.startswith(k)]
            inst = names[max(known, key=len)] if known else None
        if inst is None:
            return None
        return (inst.head_office or inst).name

    def place(province: str | None, city: str | None) -> tuple[str | None, str | None]:
        try:
            found = r.places({"province": province, "city": city}, "report")
        except CatalogueDataError:
            try:
                found = r.places({"province": province}, "report")
            except CatalogueDataError:
                return None, None
        return (
            found["province"].name if found["province"] else None,
            found["city"].name if found["city"] else None,
        )

    def resolve_(institution, province, city):
        p, c = place(province, city)
        return {"head_office": head_office(institution), "province": p, "city": c}

    resolve_.head_office = head_office
    return resolve_
