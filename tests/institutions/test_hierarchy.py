"""Defect 1 of issue 8: a branch moved in the admin must leave the old bank entirely. The stored
`head_office` that every filter and count relies on is rewritten for the branch and its whole
subtree, and a parent inside the subtree (a loop) is refused with a form error."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from institutions.models import Institution
from products.models import Case
from tests.factories import CaseFactory, InstitutionFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("curator", "curator@example.org", "pw-for-tests")
    client.force_login(user)
    return client


def _bound_data(form) -> dict:
    """What a browser would send back for `form` as the admin rendered it."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None:
            continue
        data[bound.html_name] = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
    return data


def admin_change(client, institution: Institution, **changes) -> object:
    """POST the admin change form of `institution` with `changes`, keeping every other field
    and inline as the page rendered them."""
    url = f"/admin/institutions/institution/{institution.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    data = _bound_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        data.update(_bound_data(inline.formset.management_form))
        for form in inline.formset.forms:
            data.update(_bound_data(form))
    data.update({k: str(v) for k, v in changes.items()})
    return client.post(url, data)


def total(html: str) -> int:
    return int(re.search(r'data-total="(\d+)"', html).group(1))


def institution_facet(html: str, pk: int) -> int:
    """The count the case list's institution facet shows for `pk` (0 when it is not listed)."""
    found = re.search(
        rf'data-facet="institution" data-value="{pk}"[^>]*>[^<]*</a> <span class="n">(\d+)', html
    )
    return int(found.group(1)) if found else 0


def test_moving_a_curated_branch_in_the_admin_files_it_under_the_new_bank(admin_client, client):
    branch = Institution.objects.get(name="上海银行滨江支行")
    old, new = Institution.objects.get(name="上海银行"), Institution.objects.get(name="兴业银行")
    moved = Case.objects.published().filter(institution=branch).count()
    assert moved >= 1
    before_old = total(client.get(f"/cases/?institution={old.pk}").content.decode())
    before_new = total(client.get(f"/cases/?institution={new.pk}").content.decode())

    response = admin_change(admin_client, branch, parent=new.pk)
    assert response.status_code == 302, response.context["adminform"].form.errors

    branch.refresh_from_db()
    assert (branch.parent, branch.head_office) == (new, new)
    cache.clear()  # the counts below must come from the data, whatever the cache holds
    assert total(client.get(f"/cases/?institution={new.pk}").content.decode()) == before_new + moved
    assert total(client.get(f"/cases/?institution={old.pk}").content.decode()) == before_old - moved
    facets = client.get("/cases/?page_size=10").content.decode()
    assert institution_facet(facets, new.pk) == before_new + moved
    assert institution_facet(facets, old.pk) == before_old - moved


def test_moving_a_branch_moves_its_sub_branches_and_their_cases(admin_client, client):
    old, new = InstitutionFactory(), InstitutionFactory()
    branch = InstitutionFactory(parent=old)
    sub = InstitutionFactory(parent=branch)
    CaseFactory(product=ProductFactory(institution=sub))
    assert sub.head_office == old

    assert admin_change(admin_client, branch, parent=new.pk).status_code == 302

    sub.refresh_from_db()
    assert (sub.parent, sub.head_office) == (branch, new)
    assert total(client.get(f"/cases/?institution={new.pk}").content.decode()) == 1
    assert total(client.get(f"/cases/?institution={old.pk}").content.decode()) == 0
    assert set(Institution.objects.family_of(new)) == {new, branch, sub}


def test_a_parent_inside_its_own_subtree_is_a_form_error(admin_client):
    head = InstitutionFactory()
    branch = InstitutionFactory(parent=head)
    sub = InstitutionFactory(parent=branch)
    for loop in (sub, head):
        response = admin_change(admin_client, head if loop is head else branch, parent=loop.pk)
        assert response.status_code == 200  # the form again, with the error, not a save nor a 500
        assert "parent" in response.context["adminform"].form.errors
    branch.refresh_from_db()
    assert (branch.parent, branch.head_office) == (head, head)


def test_making_a_branch_a_head_office_gives_its_subtree_to_it(admin_client):
    head = InstitutionFactory()
    branch = InstitutionFactory(parent=head)
    sub = InstitutionFactory(parent=branch)
    leaf = InstitutionFactory(parent=sub)  # three levels below the head office

    assert admin_change(admin_client, branch, parent="").status_code == 302

    branch.refresh_from_db(), sub.refresh_from_db(), leaf.refresh_from_db()
    assert branch.head_office is None and branch.level == "head-office"
    assert sub.head_office == branch and leaf.head_office == branch
    assert set(Institution.objects.family_of(head)) == {head}


def test_a_branch_moved_twice_ends_under_the_last_bank(admin_client):
    first, second, third = InstitutionFactory.create_batch(3)
    branch = InstitutionFactory(parent=first)
    sub = InstitutionFactory(parent=branch)
    for bank in (second, third):
        assert admin_change(admin_client, branch, parent=bank.pk).status_code == 302
    sub.refresh_from_db()
    assert sub.head_office == third
    assert set(Institution.objects.family_of(second)) == {second}
    assert set(Institution.objects.family_of(third)) == {third, branch, sub}
