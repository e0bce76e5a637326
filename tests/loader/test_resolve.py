"""One resolver for institution names (loader.resolve), shared by the fixture loader and partner
submissions: full name, alias, or a short name that names exactly one institution. A short name
two institutions share is refused with both names, never resolved to whichever came first."""

from __future__ import annotations

import pytest

from loader.resolve import CatalogueDataError, Resolver
from partners.services import institution_by_name
from tests.factories import AliasFactory, InstitutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins():
    """Two banks sharing a short name (the curated data has no such pair)."""
    return InstitutionFactory(short_name="测同名"), InstitutionFactory(short_name="测同名")


def test_the_loader_refuses_an_ambiguous_short_name_naming_both(twins):
    with pytest.raises(CatalogueDataError) as exc:
        Resolver().institution("测同名", "cases.json #3")
    message = str(exc.value)
    assert "cases.json #3" in message and all(t.name in message for t in twins)


def test_partner_submissions_refuse_it_too(twins):
    assert institution_by_name("测同名") is None


def test_full_names_aliases_and_unique_short_names_resolve_alike(twins):
    one = InstitutionFactory(short_name="测独名")
    alias = AliasFactory(institution=twins[0])
    resolver = Resolver()
    for name, expected in ((twins[1].name, twins[1]), (alias.name, twins[0]), ("测独名", one)):
        assert resolver.institution(name, "test") == expected
        assert institution_by_name(name) == expected


def test_unknown_names_are_errors_not_guesses():
    with pytest.raises(CatalogueDataError, match="unknown institution"):
        Resolver().institution("不存在的银行", "test")
    assert institution_by_name("不存在的银行") is None
