"""advisor.matching: the scorer reads its weights and their parts from CRITERIA only, and a
product's case evidence comes from SQL annotations on the product rows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from advisor.matching import BY_NAME, Profile, _products, case_evidence, score_product
from tests.factories import CaseFactory, InstitutionFactory, ProductFactory, RegionFactory

pytestmark = pytest.mark.django_db


def _region_score(profile: Profile, product) -> float:
    return score_product(profile, product, case_evidence(product)).score


@pytest.fixture
def local():
    """A product of a city bank in province A, with one case in A's city of 1,000,000 over 12 months."""
    province = RegionFactory()
    city = RegionFactory(parent=province)
    bank = InstitutionFactory(province=province)
    product = ProductFactory(institution=bank)
    CaseFactory(product=product, province=province, city=city, amount=Decimal(1_000_000), term_months=12)
    return province, city, product


def _scored(profile: Profile, key: str):
    return next(p for p in _products(profile) if p.key == key)


def test_case_evidence_follows_the_profile(local):
    province, city, product = local
    near = case_evidence(
        _scored(Profile(province=province, city=city, amount=Decimal(3_000_000)), product.key)
    )
    assert (near.placed, near.in_province, near.in_city, near.similar_amount) == (True, True, True, True)
    far = case_evidence(
        _scored(Profile(province=RegionFactory(), amount=Decimal(9_000_000), term_months=120), product.key)
    )
    assert (far.placed, far.in_province, far.in_city, far.similar_amount, far.similar_term) == (
        True,
        False,
        False,
        False,
        False,
    )


def test_evidence_costs_no_query_per_product(local, django_assert_max_num_queries):
    province, city, _product = local
    profile = Profile(province=province, city=city, amount=Decimal(1), term_months=6)
    # The products, their themes and their terms: the cases are read inside the products query.
    with django_assert_max_num_queries(3):
        _products(profile)


@pytest.mark.parametrize(
    ("note", "profile_of"),
    [
        ("case", lambda province, city: Profile(province=province)),
        ("city", lambda province, city: Profile(province=province, city=city)),
    ],
)
def test_region_scores_are_the_tables_parts(local, monkeypatch, note, profile_of):
    province, city, product = local
    profile = profile_of(province, city)
    before = _region_score(profile, _scored(profile, product.key))
    monkeypatch.setitem(BY_NAME["region"].parts, note, BY_NAME["region"].parts[note] + 0.5)
    after = _region_score(profile, _scored(profile, product.key))
    assert after == pytest.approx(before + 0.5 * BY_NAME["region"].weight)


def test_the_api_schema_documents_the_table(client):
    schema = client.get("/api/schema/?format=json").json()
    description = schema["paths"]["/api/v1/match/"]["get"]["description"]
    for c in BY_NAME.values():
        assert f"{c.name} ({c.weight:g})" in description
        for part, share in c.parts.items():
            assert f"{part} ×{share:g}" in description
