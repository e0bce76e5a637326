"""Institutions through the read API: the branch hierarchy."""

import pytest

from tests.api_client import get
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def test_institution_hierarchy(api):
    head = InstitutionFactory()
    branch = InstitutionFactory(parent=head)
    sub = InstitutionFactory(parent=branch)
    detail = get(api, f"/api/v1/institutions/{head.pk}/").json()
    assert detail["level"] == "head-office" and detail["parent"] is None
    assert {b["id"] for b in detail["branches"]} == {branch.pk}
    listed = get(api, f"/api/v1/institutions/?head_office={head.pk}&page_size=500").json()["results"]
    assert {r["id"]: r["level"] for r in listed} == {branch.pk: "branch", sub.pk: "sub-branch"}
    assert all(r["head_office"]["id"] == head.pk for r in listed)
    heads = get(api, "/api/v1/institutions/?head_offices_only=true&page_size=500").json()["results"]
    assert head.pk in {r["id"] for r in heads} and all(r["parent"] is None for r in heads)
    assert branch.pk not in {r["id"] for r in heads}
