"""products.selectors.peer_cases: the one meaning of "peer cases" the product page and /match/ share."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from institutions.models import Institution
from products.selectors import peer_cases
from tests.factories import CaseFactory, CategoryFactory, InstitutionFactory, ProductFactory, RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """A product at bank A (with a branch), a rival product of the same category at bank B, and a
    product of another category."""
    category = CategoryFactory()
    bank_a = InstitutionFactory(branches=1)
    bank_b = InstitutionFactory()
    mine = ProductFactory(institution=bank_a, category=category)
    rival = ProductFactory(institution=bank_b, category=category)
    other = ProductFactory(category=CategoryFactory())
    return {"mine": mine, "rival": rival, "other": other, "bank_a": bank_a, "bank_b": bank_b}


def _day(n: int) -> dt.date:
    return dt.date(2024, 1, 1) + dt.timedelta(days=n)


def test_peers_are_the_category_cases_and_never_another_category(world):
    at_b = CaseFactory(product=world["mine"], institution=world["bank_b"])
    rival = CaseFactory(product=world["rival"])
    CaseFactory(product=world["other"])
    found = peer_cases([world["mine"]], include_own_bank=True)[world["mine"].pk]
    assert {c.pk for c in found} >= {at_b.pk, rival.pk}
    assert all(c.product.category_id == world["mine"].category_id for c in found)


def test_own_bank_and_its_branches_are_left_out_by_default(world):
    branch = Institution.objects.get(head_office=world["bank_a"])
    at_head = CaseFactory(product=world["mine"], institution=world["bank_a"])
    at_branch = CaseFactory(product=world["rival"], institution=branch)
    at_b = CaseFactory(product=world["rival"])
    found = {c.pk for c in peer_cases([world["mine"]])[world["mine"].pk]}
    assert at_b.pk in found
    assert at_head.pk not in found and at_branch.pk not in found
    included = {c.pk for c in peer_cases([world["mine"]], include_own_bank=True)[world["mine"].pk]}
    assert {at_head.pk, at_branch.pk, at_b.pk} <= included


def test_the_products_own_cases_come_first_then_newest(world):
    old_own = CaseFactory(product=world["mine"], institution=world["bank_b"], date=_day(1))
    new_rival = CaseFactory(product=world["rival"], date=_day(50))
    newer_rival = CaseFactory(product=world["rival"], date=_day(90))
    found = [c.pk for c in peer_cases([world["mine"]])[world["mine"].pk]]
    assert found == [old_own.pk, newer_rival.pk, new_rival.pk]


def test_a_preferred_province_comes_before_everything_else(world):
    province = RegionFactory()
    own_elsewhere = CaseFactory(product=world["mine"], institution=world["bank_b"], date=_day(99))
    rival_there = CaseFactory(product=world["rival"], province=province, date=_day(1))
    found = [c.pk for c in peer_cases([world["mine"]], prefer_province=province)[world["mine"].pk]]
    assert found[:2] == [rival_there.pk, own_elsewhere.pk]
    assert [c.pk for c in peer_cases([world["mine"]])[world["mine"].pk]][:2] == [
        own_elsewhere.pk,
        rival_there.pk,
    ]


def test_several_products_in_one_query_each_with_its_own_bank_left_out(world, django_assert_num_queries):
    at_a = CaseFactory(product=world["mine"], institution=world["bank_a"])
    at_b = CaseFactory(product=world["rival"], institution=world["bank_b"])
    with django_assert_num_queries(3):  # the cases, their sources and the sources' documents
        found = peer_cases([world["mine"], world["rival"]], per=5)
    assert [c.pk for c in found[world["mine"].pk]] == [at_b.pk]
    assert [c.pk for c in found[world["rival"].pk]] == [at_a.pk]


def test_per_limits_each_list(world):
    CaseFactory.create_batch(4, product=world["rival"])
    assert len(peer_cases([world["mine"]], per=3)[world["mine"].pk]) == 3
    assert peer_cases([]) == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement candidates are PostgreSQL's")
@pytest.mark.parametrize("per", [1, 3])
def test_the_one_statement_candidates_are_the_orm_groups(world, per):
    """/match/ on PostgreSQL takes its candidates from `_candidate_ids`; they must be exactly the
    ids the ORM groups select (`_candidates`, the path SQLite and the product page take)."""
    from products.selectors import _candidate_ids, _candidates

    here, there = RegionFactory(), RegionFactory()
    for n in range(8):
        for product in (world["mine"], world["rival"], world["other"]):
            CaseFactory(
                product=product, province=(here, there)[n % 2], date=_day(n * 7 % 5) if n % 3 else None
            )
    products = [world["mine"], world["rival"], world["other"]]
    for province in (None, here):
        groups: dict = {}
        for p in products:
            groups |= _candidates(p, province, True, per)
        expected = {row["pk"] for g in groups.values() for row in g}
        assert set(_candidate_ids(products, province, per)) == expected
