"""On PostgreSQL a product page is its rows' JSON, written by PostgreSQL but for the terms (read in
one more statement and written in Python), whatever the page size (a numbered page's version rides
on its statement once the count is kept); it was five statements (themes and sources one each),
then three."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api_client import get

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the rows' JSON is PostgreSQL's"),
]


@pytest.fixture(autouse=True)
def no_response_cache(settings):
    settings.API_RESPONSE_CACHE_SECONDS = 0


@pytest.mark.parametrize(("mode", "statements"), [("page", 2), ("cursor", 2)])
def test_a_product_page_is_its_json_and_its_terms(api, mode, statements):
    url = f"/api/v1/products/?pagination={mode}&page_size=200"
    get(api, url)  # the filter state's count is then kept
    with CaptureQueriesContext(connection) as captured:
        body = get(api, url).json()
    assert len(body["results"]) > 1
    assert any(p["themes"] for p in body["results"]) and all(p["sources"] for p in body["results"])
    sent = [q["sql"] for q in captured.captured_queries]
    assert len(sent) == statements, [s[:120] for s in sent]
    assert not [s for s in sent if "products_product_themes" in s and "json_agg" not in s]


def test_a_product_record_is_two_statements(api):
    from products.models import Product

    product = Product.objects.filter(status="published").first()
    with CaptureQueriesContext(connection) as captured:
        body = get(api, f"/api/v1/products/{product.pk}/").json()
    assert body["sources"] and body["id"] == product.pk
    assert len(captured.captured_queries) == 2, [q["sql"][:120] for q in captured.captured_queries]
