"""Shapes the curated catalogue lacks, made with factories: undated and unpriced cases, a category
three levels deep, a three-level branch tree. Expected rows are the records made here, by name."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from tests.factories import CaseFactory, CategoryFactory, InstitutionFactory, ProductFactory, RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    """A province of its own, so a filter on it sees only the records made here."""
    return RegionFactory()


def case_keys(api, query: str) -> list[str]:
    return [r["key"] for r in api.get(f"/api/v1/cases/?{query}&page_size=100").json()["results"]]


@pytest.mark.parametrize("ordering", ["date", "-date", "amount", "-amount"])
def test_undated_and_unpriced_cases_sort_last_both_ways(client, place, ordering):
    product = ProductFactory()
    dated = [
        CaseFactory(product=product, province=place, date=dt.date(2024, m, 1), amount=Decimal(m * 100))
        for m in (3, 1, 2)
    ]
    blank = CaseFactory(product=product, province=place, date=None, amount=None)
    keys = case_keys(client, f"province={place.code}&ordering={ordering}")
    field = ordering.lstrip("-")
    expected = sorted(dated, key=lambda c: getattr(c, field), reverse=ordering.startswith("-"))
    assert keys == [c.key for c in expected] + [blank.key]
    # The HTML list shows the same order: the blank case is the last row.
    html = client.get(f"/cases/?province={place.code}&ordering={ordering}").content.decode()
    shown = [int(pk) for pk in re.findall(r'href="/cases/(\d+)/"', html)]
    assert shown.index(blank.pk) == len(dict.fromkeys(shown)) - 1


def test_a_category_three_levels_deep_filters_its_whole_subtree(client, place):
    top = CategoryFactory()
    middle = CategoryFactory(parent=top)
    leaf = CategoryFactory(parent=middle)
    other = CategoryFactory()
    cases = {
        c: CaseFactory(product=ProductFactory(category=c), province=place) for c in (top, middle, leaf, other)
    }
    expected = {top: {top, middle, leaf}, middle: {middle, leaf}, leaf: {leaf}}
    for category, covered in expected.items():
        keys = set(case_keys(client, f"province={place.code}&category={category.slug}"))
        assert keys == {cases[c].key for c in covered}, category.slug
        products = client.get(f"/api/v1/products/?category={category.slug}&page_size=100").json()
        assert {p["key"] for p in products["results"]} == {cases[c].product.key for c in covered}


def test_a_three_level_branch_tree_counts_under_its_head_office(client):
    head = InstitutionFactory()
    branch = InstitutionFactory(parent=head)
    sub = InstitutionFactory(parent=branch)
    leaf = InstitutionFactory(parent=sub)
    made = [CaseFactory(product=ProductFactory(institution=i)) for i in (head, branch, sub, leaf)]
    for node, below in ((head, made), (branch, made[1:]), (sub, made[2:]), (leaf, made[3:])):
        keys = set(case_keys(client, f"institution={node.pk}"))
        # A head office covers its whole tree; a branch is itself (the rule: "this bank").
        assert keys == (
            {c.key for c in below} if node is head else {made[[head, branch, sub, leaf].index(node)].key}
        )
    html = client.get(f"/institutions/{head.pk}/").content.decode()
    # The tree nests: each level's link sits one <ul> deeper than its parent's.
    tree = html[html.index('<ul class="tree">') :]
    depths = []
    for node in (branch, sub, leaf):
        before = tree[: tree.index(f'href="/institutions/{node.pk}/"')]
        depths.append(before.count("<ul") - before.count("</ul>"))
    assert depths == [depths[0], depths[0] + 1, depths[0] + 2]
