"""/api/v1/match/: conditional GETs, a bounded number of queries, the policies that apply, and the
typed schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from policies.models import Policy
from products.models import Product

pytestmark = pytest.mark.django_db
GUIYANG_PV = {
    "province": "贵州省",
    "city": "贵阳市",
    "industry": "D",
    "size": "small",
    "themes": "green-finance",
    "labels": "green-enterprise",
    "amount": "5000000",
}


def test_etag_last_modified_and_304(client):
    r = client.get("/api/v1/match/", GUIYANG_PV)
    assert r.status_code == 200
    assert r["ETag"].startswith('W/"') and r["Last-Modified"]
    again = client.get("/api/v1/match/", GUIYANG_PV, HTTP_IF_NONE_MATCH=r["ETag"])
    assert again.status_code == 304 and again["ETag"] == r["ETag"]
    since = client.get("/api/v1/match/", GUIYANG_PV, HTTP_IF_MODIFIED_SINCE=r["Last-Modified"])
    assert since.status_code == 304
    other = client.get("/api/v1/match/", {**GUIYANG_PV, "size": "micro"}, HTTP_IF_NONE_MATCH=r["ETag"])
    assert other.status_code == 200 and other["ETag"] != r["ETag"]
    # A change to the catalogue is a new version: the old ETag no longer matches.
    Product.objects.filter(pk=Product.objects.published().first().pk).update(modified=dt.datetime.now(dt.UTC))
    changed = client.get("/api/v1/match/", GUIYANG_PV, HTTP_IF_NONE_MATCH=r["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != r["ETag"]


def _queries(client, params) -> int:
    client.get("/api/v1/match/", params)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/match/", params).status_code == 200
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_the_results(client, settings):
    """Form vocabularies, the version, products with terms and themes, the case evidence (grouped
    in SQL), peer cases, policies and their prefetches; a sentence adds the places and one search
    per need phrase (at most four). Counted on a miss: the answer itself is not kept. Candidates
    are scored in rounds of three queries (products with their evidence, themes, terms) until none
    left can enter the page: a third round here."""
    settings.API_RESPONSE_CACHE_SECONDS = 0
    small = _queries(client, {"province": "西藏自治区", "category": "green-bill-discounting"})
    large = _queries(client, GUIYANG_PV)
    assert large <= 27 and small <= large + 1  # a category costs its subtree
    worded = _queries(client, {"q": "威海一家从日本进口原材料的外贸企业，想做日元进口预付款融资"})
    assert worded <= large + 1 + 4


def test_policies_cover_the_place_newest_first_with_source(client):
    body = client.get("/api/v1/match/", GUIYANG_PV).json()
    pols = [p for x in body["results"] for p in x["policies"]]
    assert pols, "no policy applies to any result"
    rows = {p.pk: p for p in Policy.objects.select_related("province", "city")}
    for x in body["results"]:
        dates = [p["issued_date"] or "" for p in x["policies"]]
        assert dates == sorted(dates, reverse=True)
        for p in x["policies"]:
            pol = rows[p["id"]]
            assert pol.province is None or pol.province.name == "贵州省"
            assert pol.city is None or pol.city.name == "贵阳市"
            assert p["source"] is None or (p["source"]["document_title"] and p["source"]["locator"])
    elsewhere = client.get("/api/v1/match/", {**GUIYANG_PV, "province": "浙江省", "city": "杭州市"}).json()
    for x in elsewhere["results"]:
        for p in x["policies"]:
            assert rows[p["id"]].province is None or rows[p["id"]].province.name == "浙江省"


def test_reason_sources_name_their_document(client):
    body = client.get("/api/v1/match/", GUIYANG_PV).json()
    sourced = [r for x in body["results"] for r in x["reasons"] if r["source"]]
    assert sourced and all(r["source"]["document_title"] for r in sourced)
    quoted = [r for x in body["results"] for r in x["reasons"] if r["note"] == "text"]
    assert all(r["quote"] for r in quoted)


def test_schema_types_the_response():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    op = schema["paths"]["/api/v1/match/"]["get"]
    assert "q" in [p["name"] for p in op["parameters"]]
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    response = schema["components"]["schemas"][ref]
    assert set(response["properties"]) == {"results", "excluded", "excluded_most", "read"}
    result = schema["components"]["schemas"]["MatchResult"]
    assert set(result["properties"]) == {"product", "score", "reasons", "cases", "policies"}
    assert "region (4)" in op["description"]
    assert "304" in op["responses"]
