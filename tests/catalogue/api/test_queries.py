"""Every list endpoint runs a constant number of queries whatever the page size, in both
pagination modes (exports are covered in test_exports)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.api_router import router
from tests.api_client import SUBMISSION, get

pytestmark = pytest.mark.django_db
LISTS = [prefix for prefix, _v, _b in router.registry]
# Upper bounds, to notice a new join or prefetch. Page mode: the resource's version (the ETag; the
# count is cached per version and filter state) + the page + the queryset's prefetches (products: terms too);
# cursor mode: the page + prefetches. A key costs one.
BUDGET = {"products": 6, "cases": 4, "policies": 6, "metrics": 4, "institutions": 3, "submissions": 3}


@pytest.fixture(autouse=True)
def no_response_cache(settings):
    settings.API_RESPONSE_CACHE_SECONDS = 0


def count_queries(api, url, **headers) -> int:
    # Steady state: the filter state's count is cached (once per catalogue version), and whole
    # responses are not (see no_response_cache), so what is counted is the page's own work.
    get(api, url, **headers)
    with CaptureQueriesContext(connection) as ctx:
        get(api, url, **headers)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("mode", ["page", "cursor"])
def test_list_queries_do_not_grow_with_page_size(
    api, name, mode, many_cases, submit_key, django_assert_num_queries
):
    headers = {"HTTP_X_API_KEY": submit_key} if name == "submissions" else {}
    if name == "submissions":
        for _ in range(3):
            assert api.post("/api/v1/submissions/", SUBMISSION, format="json", **headers).status_code == 201
    small = count_queries(api, f"/api/v1/{name}/?pagination={mode}&page_size=1", **headers)
    with django_assert_num_queries(small):
        body = get(api, f"/api/v1/{name}/?pagination={mode}&page_size=200", **headers).json()
    assert len(body["results"]) > 1
    assert small <= BUDGET.get(name, 2) + (1 if headers else 0), f"{name} ({mode}) takes {small} queries"
