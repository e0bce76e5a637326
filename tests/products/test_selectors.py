"""products.selectors called directly on records made with factories: peer cases, related policies,
an institution's record counts, its cases and products, and case counts by place. Expected rows
are the records made here, by name."""

from __future__ import annotations

import datetime as dt

import pytest

from catalogue.models import Status
from institutions.models import Institution
from products.selectors import (
    case_counts_by,
    cases_at,
    peer_cases,
    products_at,
    related_policies,
    with_record_counts,
)
from tests.factories import (
    CaseFactory,
    CategoryFactory,
    InstitutionFactory,
    PolicyFactory,
    ProductFactory,
    RegionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def peers():
    """A product at a bank with a branch, and cases of its category at other banks."""
    category, elsewhere = CategoryFactory(), CategoryFactory()
    head = InstitutionFactory()
    branch = InstitutionFactory(parent=head)
    product = ProductFactory(category=category, institution=head)
    made = {
        "same product, other bank": CaseFactory(
            product=product, institution=InstitutionFactory(), date=dt.date(2024, 3, 1)
        ),
        "same category, other bank": CaseFactory(
            product=ProductFactory(category=category), date=dt.date(2024, 5, 1)
        ),
        "undated": CaseFactory(product=ProductFactory(category=category), date=None),
        "draft": CaseFactory(product=ProductFactory(category=category), status=Status.DRAFT),
        "other category": CaseFactory(product=ProductFactory(category=elsewhere), date=dt.date(2024, 6, 1)),
        "own head office": CaseFactory(product=product, date=dt.date(2024, 7, 1)),
        "own branch": CaseFactory(product=product, institution=branch, date=dt.date(2024, 7, 2)),
    }
    return product, made


def test_peer_cases_are_the_published_cases_of_the_category_the_products_own_first(peers):
    product, made = peers
    assert peer_cases([product])[product.pk] == [
        made["same product, other bank"],
        made["same category, other bank"],
        made["undated"],
    ]
    assert peer_cases([product], per=1)[product.pk] == [made["same product, other bank"]]


def test_peer_cases_leave_out_the_products_own_bank_and_its_branches(peers):
    product, made = peers
    found = set(peer_cases([product])[product.pk])
    assert made["own head office"] not in found and made["own branch"] not in found
    with_own = set(peer_cases([product], include_own_bank=True)[product.pk])
    assert {made["own head office"], made["own branch"]} <= with_own


def test_related_policies_name_the_product_or_its_category_once_newest_first():
    product = ProductFactory()
    by_product = PolicyFactory(issued_date=dt.date(2023, 1, 1))
    by_category = PolicyFactory(issued_date=dt.date(2024, 1, 1))
    by_both = PolicyFactory(issued_date=dt.date(2022, 1, 1))
    undated = PolicyFactory(issued_date=None)
    draft = PolicyFactory(status=Status.DRAFT)
    PolicyFactory()  # names neither
    for policy in (by_product, by_both, undated, draft):
        policy.products.add(product)
    for policy in (by_category, by_both):
        policy.categories.add(product.category)
    assert list(related_policies(product)) == [by_category, by_product, by_both, undated]
    assert list(related_policies(product, limit=2)) == [by_category, by_product]


def test_with_record_counts_counts_a_head_offices_family_and_a_branch_alone():
    head = InstitutionFactory()
    branch = InstitutionFactory(parent=head)
    lonely = InstitutionFactory()
    at_head = ProductFactory(institution=head)
    at_branch = ProductFactory(institution=branch)
    ProductFactory(institution=branch, status=Status.DRAFT)
    CaseFactory.create_batch(2, product=at_head)
    CaseFactory(product=at_branch)
    CaseFactory(product=at_branch, status=Status.WITHDRAWN)
    counts = {
        i.pk: (i.product_count, i.case_count)
        for i in with_record_counts(Institution.objects.filter(pk__in=[head.pk, branch.pk, lonely.pk]))
    }
    assert counts == {head.pk: (2, 3), branch.pk: (1, 1), lonely.pk: (0, 0)}


def test_cases_at_lists_published_cases_of_those_institutions_newest_first():
    a, b, other = InstitutionFactory(), InstitutionFactory(), InstitutionFactory()
    old = CaseFactory(product=ProductFactory(institution=a), date=dt.date(2023, 1, 1))
    new = CaseFactory(product=ProductFactory(institution=b), date=dt.date(2024, 1, 1))
    undated = CaseFactory(product=ProductFactory(institution=a), date=None)
    CaseFactory(product=ProductFactory(institution=a), status=Status.DRAFT)
    CaseFactory(product=ProductFactory(institution=other))
    assert list(cases_at([a.pk, b.pk])) == [new, old, undated]
    assert list(cases_at([])) == []


def test_products_at_lists_what_they_offer_or_have_cases_of_by_name():
    bank, other = InstitutionFactory(), InstitutionFactory()
    offered = ProductFactory(institution=bank, name="测试乙产品")
    elsewhere_with_case = ProductFactory(institution=other, name="测试甲产品")
    CaseFactory(product=elsewhere_with_case, institution=bank)
    ProductFactory(institution=bank, status=Status.DRAFT)
    ProductFactory(institution=other)
    found = list(products_at([bank.pk]))
    assert set(found) == {offered, elsewhere_with_case}
    assert found == sorted(found, key=lambda p: (p.name_sort, p.name))


def test_case_counts_by_groups_published_cases_by_place():
    province = RegionFactory()
    city_a, city_b = RegionFactory(parent=province), RegionFactory(parent=province)
    category = CategoryFactory()
    product = ProductFactory(category=category)
    CaseFactory.create_batch(2, product=product, province=province, city=city_a)
    CaseFactory(product=product, province=province, city=city_b)
    CaseFactory(product=product, province=province, city=None)
    CaseFactory(product=product, province=province, city=city_b, status=Status.DRAFT)
    CaseFactory(province=province, city=city_b)  # another category
    mine = {"product__category": category}
    assert case_counts_by("province", **mine) == {province.code: 4}
    assert case_counts_by("city", **mine) == {city_a.code: 2, city_b.code: 1}
    assert case_counts_by("city", province=province) == {city_a.code: 2, city_b.code: 2}
