"""institutions.selectors.regions_named: the one place rule the match form and the loader share."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from advisor.forms import MatchForm
from institutions.selectors import regions_named
from loader.resolve import CatalogueDataError, Resolver
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("written", ["浙江省", "浙江", "330000"])
def test_a_province_by_full_name_short_name_or_code(written):
    assert [r.code for r in regions_named(written, "province")] == ["330000"]


def test_the_level_is_part_of_the_rule():
    assert regions_named("杭州市", "province") == []
    assert [r.code for r in regions_named("杭州市", "city")] == ["330100"]


def test_within_keeps_a_shared_name_to_one_place():
    a, b = RegionFactory(code="980000"), RegionFactory(code="990000")
    RegionFactory(parent=a, code=a.code[:2] + "0100", name="同名市", short_name="同名")
    RegionFactory(parent=b, code=b.code[:2] + "0100", name="同名市", short_name="同名")
    assert len(regions_named("同名市", "city")) == 2
    assert [r.parent_id for r in regions_named("同名", "city", within=a)] == [a.pk]


def test_the_form_and_the_loader_read_a_place_alike():
    a, b = RegionFactory(code="980000"), RegionFactory(code="990000")
    RegionFactory(parent=a, code=a.code[:2] + "0100", name="重名市", short_name="重名")
    RegionFactory(parent=b, code=b.code[:2] + "0100", name="重名市", short_name="重名")
    form = MatchForm(QueryDict("city=重名市"))
    assert not form.is_valid() and "city" in form.errors
    with pytest.raises(CatalogueDataError, match="matches 2 regions"):
        Resolver().places({"city": "重名市"}, "test")
    assert Resolver().places({"province": a.name, "city": "重名"}, "test")["city"].parent_id == a.pk
    assert MatchForm(QueryDict("city=杭州")).is_valid()
    assert Resolver().places({"city": "杭州"}, "test")["city"].code == "330100"
