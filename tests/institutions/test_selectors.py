"""institutions.selectors called directly on a three-level tree made with factories: a bank's
family, what lies below a branch, the nested tree and the chain of ancestors."""

from __future__ import annotations

import pytest

from institutions.selectors import below, chain, institution_family, tree
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    """head → (branch_a → sub_a1, sub_a2), (branch_b); and an unrelated bank."""
    head = InstitutionFactory(name="测试银行总行")
    branch_a = InstitutionFactory(name="测试银行一分行", parent=head)
    branch_b = InstitutionFactory(name="测试银行二分行", parent=head)
    sub_a1 = InstitutionFactory(name="测试银行一分行一支行", parent=branch_a)
    sub_a2 = InstitutionFactory(name="测试银行一分行二支行", parent=branch_a)
    InstitutionFactory(name="无关银行", branches=2)
    return head, branch_a, branch_b, sub_a1, sub_a2


def test_institution_family_is_the_whole_bank_from_any_member(bank):
    head, branch_a, branch_b, sub_a1, sub_a2 = bank
    expected = {i.pk for i in bank}
    assert {i.pk for i in institution_family(head)} == expected
    assert {i.pk for i in institution_family(sub_a1)} == expected
    assert {i.pk for i in institution_family(InstitutionFactory())} != expected


def test_institution_family_reads_one_query(bank, django_assert_num_queries):
    with django_assert_num_queries(1):
        family = institution_family(bank[1])
        [(i.province, i.city) for i in family]  # places come with the rows


def test_below_is_a_member_and_everything_under_it(bank):
    head, branch_a, branch_b, sub_a1, sub_a2 = bank
    family = institution_family(head)
    assert below(branch_a, family) == {branch_a.pk, sub_a1.pk, sub_a2.pk}
    assert below(branch_b, family) == {branch_b.pk}
    assert below(head, family) == {i.pk for i in bank}


def test_tree_nests_children_by_name(bank):
    head, branch_a, branch_b, sub_a1, sub_a2 = bank
    [root] = tree(head, institution_family(head))

    def shape(node):
        return (node["institution"].name, [shape(c) for c in node["children"]])

    assert shape(root) == (
        "测试银行总行",
        [
            ("测试银行一分行", [("测试银行一分行一支行", []), ("测试银行一分行二支行", [])]),
            ("测试银行二分行", []),
        ],
    )


def test_chain_lists_the_ancestors_head_office_first(bank):
    head, branch_a, branch_b, sub_a1, sub_a2 = bank
    family = institution_family(head)
    assert chain(sub_a2, family) == [head, branch_a]
    assert chain(branch_b, family) == [head]
    assert chain(head, family) == []
