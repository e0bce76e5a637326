"""The home page's map is the cases layer of the /insights/ map without filters (one builder,
insights.stats.province_maps), and the province list beside it reads the same rows."""

import pytest
from django.core.cache import cache

from products.models import Case


@pytest.mark.django_db
def test_home_map_is_the_insights_cases_layer(client):
    cache.clear()
    home = client.get("/").context
    insights = client.get("/insights/").context
    assert home["map_data"] == {"cases": insights["maps"]["cases"]}
    provinces = home["map_data"]["cases"]["provinces"]
    assert home["provinces"] == provinces
    with_province = Case.objects.published().exclude(province=None)
    assert sum(p["value"] for p in provinces) == with_province.count()
    assert [p["value"] for p in provinces] == sorted((p["value"] for p in provinces), reverse=True)


@pytest.mark.django_db
def test_home_map_follows_the_language(client):
    cache.clear()
    zh = client.get("/").context["map_data"]["cases"]
    client.cookies["django_language"] = "en"
    en = client.get("/").context["map_data"]["cases"]
    assert [p["code"] for p in zh["provinces"]] == [p["code"] for p in en["provinces"]]
    assert "湖南省" in {p["name"] for p in zh["provinces"]}
    assert "Hunan" in {p["name"] for p in en["provinces"]} and en["label"] == "Cases"
