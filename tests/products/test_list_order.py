"""The case and product lists on the pages and on the API are one selection (catalogue/listing.py):
for every search they list the same records in the same order, relevance first unless another
order is asked for, and the order they agree on is the search's, not the date's."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

QUERIES = ["绿色", "建行", "张家界", "Hunan", "e 钱庄", "green bill", "贷", "湖南 民宿", "票据", "数据资产"]
LISTS = [("/cases/", "/api/v1/cases/"), ("/products/", "/api/v1/products/")]


def page_ids(client, path: str, **params) -> list[int]:
    response = client.get(path, {"page_size": 100, **params})
    assert response.status_code == 200
    return [record.pk for record in response.context["listing"].page.object_list]


def api_ids(path: str, **params) -> tuple[list[int], int]:
    response = APIClient().get(path, {"page_size": 100, **params}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    return [r["id"] for r in body["results"]], body["count"]


@pytest.mark.parametrize(("page", "api"), LISTS)
@pytest.mark.parametrize("q", QUERIES)
def test_page_and_api_list_a_search_alike(client, page, api, q):
    on_page = page_ids(client, page, q=q)
    on_api, count = api_ids(api, q=q)
    assert on_page == on_api
    assert count == len(on_api)  # every match fits on the page: the comparison is whole
    explicit, _ = api_ids(api, q=q, ordering="relevance")
    assert explicit == on_api


@pytest.mark.parametrize(("page", "api"), LISTS)
def test_relevance_is_the_default_order_of_a_search(client, page, api):
    # Some search must rank differently from the newest-first order, or the tests above could not
    # tell the two orders apart.
    differs = [
        q for q in QUERIES if page_ids(client, page, q=q) != page_ids(client, page, q=q, ordering="-date")
    ]
    assert differs


@pytest.mark.parametrize(("page", "api"), LISTS)
@pytest.mark.parametrize("q", ["绿色", "贷"])
def test_another_order_asked_for_is_kept_on_both(client, page, api, q):
    on_page = page_ids(client, page, q=q, ordering="-date")
    on_api, _ = api_ids(api, q=q, ordering="-date")
    assert on_page == on_api
