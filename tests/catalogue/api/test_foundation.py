"""Every list endpoint is paginated, capped at 200 rows a page, and runs a constant number of queries
whatever the page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api_client import get_json as get

LISTS = ["products", "cases", "policies", "institutions", "regions", "categories"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", LISTS)
def test_list_is_paginated(api, name):
    body = get(api, f"/api/v1/{name}/?page_size=2")
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] > 2 and len(body["results"]) == 2
    assert body["previous"] is None and "page=2" in body["next"]


@pytest.mark.django_db
def test_page_size_up_to_200_and_over_the_cap_is_400(api):
    assert len(get(api, "/api/v1/regions/?page_size=200")["results"]) == 200
    assert "page_size" in get(api, "/api/v1/regions/?page_size=100000", status=400)
    assert "page_size" in get(api, "/api/v1/regions/?page_size=abc", status=400)


@pytest.fixture(autouse=True)
def no_response_cache(settings):
    settings.API_RESPONSE_CACHE_SECONDS = 0


def count_queries(api, url):
    # Steady state: the filter state's count is cached (once per catalogue version), and whole
    # responses are not (see no_response_cache), so what is counted is the page's own work.
    get(api, url)
    with CaptureQueriesContext(connection) as ctx:
        get(api, url)
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("name", LISTS)
def test_list_queries_do_not_grow_with_page_size(api, name, many_cases, django_assert_num_queries):
    small = count_queries(api, f"/api/v1/{name}/?page_size=1")
    with django_assert_num_queries(small):
        body = get(api, f"/api/v1/{name}/?page_size=200")
    assert len(body["results"]) == min(200, body["count"])
    assert small <= 6, f"{name} list takes {small} queries"
