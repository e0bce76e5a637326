"""ETag / Last-Modified on lists and details; If-None-Match and If-Modified-Since give 304.
A list's ETag costs one aggregate query, and so does its 304."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date

from catalogue.models import Status
from products.models import Case, Product
from tests.api_client import get

pytestmark = pytest.mark.django_db

LISTS = [
    "products",
    "cases",
    "policies",
    "metrics",
    "institutions",
    "regions",
    "categories",
    "themes",
    "topics",
]


@pytest.mark.parametrize("name", LISTS)
def test_lists_answer_304_to_their_own_etag(api, name):
    first = get(api, f"/api/v1/{name}/?page_size=5")
    assert first["ETag"]
    again = get(api, f"/api/v1/{name}/?page_size=5", status=304, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.content == b"" and again["ETag"] == first["ETag"]
    # Another page or filter is another representation.
    other = get(api, f"/api/v1/{name}/?page_size=4", HTTP_IF_NONE_MATCH=first["ETag"])
    assert other["ETag"] != first["ETag"]


@pytest.mark.parametrize(
    "name, lookup",
    [("products", "id"), ("cases", "id"), ("institutions", "id"), ("regions", "code"), ("themes", "slug")],
)
def test_details_answer_304_to_their_own_etag(api, name, lookup):
    key = get(api, f"/api/v1/{name}/?page_size=1").json()["results"][0][lookup]
    first = get(api, f"/api/v1/{name}/{key}/")
    get(api, f"/api/v1/{name}/{key}/", status=304, HTTP_IF_NONE_MATCH=first["ETag"])
    get(api, f"/api/v1/{name}/{key}/", status=304, HTTP_IF_NONE_MATCH=f'"nope", {first["ETag"]}')
    get(api, f"/api/v1/{name}/{key}/", status=200, HTTP_IF_NONE_MATCH='"something-else"')


def test_list_etag_and_last_modified_follow_changes(api):
    url = "/api/v1/cases/?province=430000"
    first = get(api, url)
    assert first["Last-Modified"]
    case = Case.objects.published().filter(province_id="430000").first()
    case.summary = "changed"
    case.save()
    second = get(api, url, HTTP_IF_NONE_MATCH=first["ETag"])  # 200: the list changed
    assert second["ETag"] != first["ETag"]
    assert second["Last-Modified"] == http_date(case.modified.timestamp())
    # A withdrawal changes the ETag too (count and latest modified both move).
    case.status = Status.WITHDRAWN
    case.save()
    assert get(api, url, HTTP_IF_NONE_MATCH=second["ETag"])["ETag"] != second["ETag"]


def test_if_modified_since(api):
    product = Product.objects.published().first()
    first = get(api, f"/api/v1/products/{product.pk}/")
    get(api, f"/api/v1/products/{product.pk}/", status=304, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    listed = get(api, "/api/v1/products/")
    get(api, "/api/v1/products/", status=304, HTTP_IF_MODIFIED_SINCE=listed["Last-Modified"])
    get(api, "/api/v1/products/", status=200, HTTP_IF_MODIFIED_SINCE="Sat, 01 Jan 2000 00:00:00 GMT")


def test_a_list_304_costs_one_query(api):
    etag = get(api, "/api/v1/cases/?page_size=200")["ETag"]
    with CaptureQueriesContext(connection) as ctx:
        get(api, "/api/v1/cases/?page_size=200", status=304, HTTP_IF_NONE_MATCH=etag)
    assert len(ctx.captured_queries) == 1, [q["sql"] for q in ctx.captured_queries]


def test_if_match_failure_is_a_412_problem(api):
    response = get(api, "/api/v1/products/", status=412, HTTP_IF_MATCH='"not-this"')
    assert response["Content-Type"] == "application/problem+json"


def test_cursor_pages_carry_etag_and_last_modified(api):
    first = get(api, "/api/v1/cases/?pagination=cursor&page_size=10")
    assert first["ETag"] and first["Last-Modified"]
    get(api, "/api/v1/cases/?pagination=cursor&page_size=10", status=304, HTTP_IF_NONE_MATCH=first["ETag"])
