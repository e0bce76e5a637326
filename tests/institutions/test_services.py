"""institutions.services called directly: a parent set rewrites the stored head office of the whole
subtree, a loop is refused, and an alias names one institution only."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from institutions.models import Institution, InstitutionAlias
from institutions.services import institution_add_alias, institution_check_parent, institution_set_parent
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def stored(*institutions: Institution) -> list[tuple[int | None, int | None]]:
    """(parent, head office) of each institution as the database holds them now."""
    rows = dict(
        (pk, (parent, head))
        for pk, parent, head in Institution.objects.filter(pk__in=[i.pk for i in institutions]).values_list(
            "pk", "parent_id", "head_office_id"
        )
    )
    return [rows[i.pk] for i in institutions]


def test_institution_set_parent_makes_a_branch_and_sets_its_head_office():
    head, other = InstitutionFactory(), InstitutionFactory()
    branch = InstitutionFactory(parent=head)
    sub = InstitutionFactory(parent=branch)
    assert stored(branch, sub) == [(head.pk, head.pk), (branch.pk, head.pk)]
    # Moving the branch takes its sub-branch along to the new bank.
    institution_set_parent(institution=Institution.objects.get(pk=branch.pk), parent=other)
    assert stored(branch, sub) == [(other.pk, other.pk), (branch.pk, other.pk)]


def test_institution_set_parent_none_makes_a_head_office_of_its_subtree():
    head = InstitutionFactory()
    branch = InstitutionFactory(parent=head)
    sub = InstitutionFactory(parent=branch)
    subsub = InstitutionFactory(parent=sub)
    institution_set_parent(institution=Institution.objects.get(pk=branch.pk), parent=None)
    assert stored(branch, sub, subsub) == [(None, None), (branch.pk, branch.pk), (sub.pk, branch.pk)]


def test_institution_set_parent_refuses_a_loop_and_changes_nothing():
    head = InstitutionFactory()
    branch = InstitutionFactory(parent=head)
    sub = InstitutionFactory(parent=branch)
    before = stored(head, branch, sub)
    for parent in (sub, branch, head):
        target = branch if parent is not head else head
        with pytest.raises(ValidationError) as error:
            institution_set_parent(institution=Institution.objects.get(pk=target.pk), parent=parent)
        assert "parent" in error.value.message_dict
    assert stored(head, branch, sub) == before


def test_institution_check_parent_allows_anything_outside_the_subtree():
    head = InstitutionFactory()
    branch = InstitutionFactory(parent=head)
    elsewhere = InstitutionFactory()
    institution_check_parent(institution=branch, parent=elsewhere)
    institution_check_parent(institution=branch, parent=None)
    institution_check_parent(institution=Institution(name="未保存"), parent=branch)
    with pytest.raises(ValidationError) as error:
        institution_check_parent(institution=head, parent=branch)
    assert branch.name in error.value.message_dict["parent"][0]


def test_institution_add_alias_keeps_a_new_name_once():
    bank = InstitutionFactory(name="测试商业银行")
    alias = institution_add_alias(institution=bank, name="  测商行 ")
    assert alias is not None and alias.name == "测商行" and alias.institution == bank
    assert list(bank.aliases.values_list("name", flat=True)) == ["测商行"]


@pytest.mark.parametrize("taken", ["its own name", "another's name", "an alias already", "blank"])
def test_institution_add_alias_leaves_a_taken_or_empty_name(taken):
    bank, other = InstitutionFactory(name="测试商业银行"), InstitutionFactory(name="另一家测试银行")
    InstitutionAlias.objects.create(institution=other, name="测行")
    name = {
        "its own name": bank.name,
        "another's name": other.name,
        "an alias already": "测行",
        "blank": "  ",
    }
    before = InstitutionAlias.objects.count()
    assert institution_add_alias(institution=bank, name=name[taken]) is None
    assert InstitutionAlias.objects.count() == before
    assert InstitutionAlias.objects.get(name="测行").institution == other
