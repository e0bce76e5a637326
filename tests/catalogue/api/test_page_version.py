"""On PostgreSQL a numbered page whose count is kept reads the catalogue's version in its own
statement (catalogue/api/views.py `_page_with_version`): one statement, with the same ETag,
Last-Modified and count the version's own statement gives, and a change still seen at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalogue.versioning import catalogue_version
from products.models import Case
from tests.api_client import get

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the stamps ride on PostgreSQL's page"),
]


@pytest.fixture(autouse=True)
def no_response_cache(settings):
    settings.API_RESPONSE_CACHE_SECONDS = 0


def statements(api, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = get(api, url, **headers)
    return response, [q["sql"] for q in captured.captured_queries]


def test_a_kept_count_page_is_one_statement_with_the_same_validators(api):
    url = "/api/v1/cases/?page_size=3&page=2"
    first, sent = statements(api, url)  # the version, the count (then kept), the page
    assert len(sent) == 3
    again, sent = statements(api, url)
    assert len(sent) == 1, [s[:120] for s in sent]
    assert again.json() == first.json()
    for header in ("ETag", "Last-Modified"):
        assert again[header] == first[header]
    assert get(api, url, status=304, HTTP_IF_NONE_MATCH=again["ETag"]).content == b""


def test_a_change_is_counted_again_and_moves_the_etag(api):
    url = "/api/v1/cases/?page_size=3"
    get(api, url)
    before, _ = statements(api, url)
    version = catalogue_version()
    Case.objects.filter(pk=before.json()["results"][0]["id"]).update(
        status="withdrawn", modified=timezone.now()
    )
    assert catalogue_version() != version
    after, sent = statements(api, url)  # the page shows another version: read again, counted again
    assert after.json()["count"] == before.json()["count"] - 1
    assert after["ETag"] != before["ETag"]
    assert any("COUNT(" in s.upper() for s in sent)
    again, sent = statements(api, url)
    assert len(sent) == 1 and again["ETag"] == after["ETag"] and again.json() == after.json()


def test_past_the_kept_last_page_is_still_a_404(api):
    count = get(api, "/api/v1/cases/?page_size=5").json()["count"]
    last = -(-count // 5)
    get(api, f"/api/v1/cases/?page_size=5&page={last + 1}", status=404)
    assert get(api, f"/api/v1/cases/?page_size=5&page={last}").json()["next"] is None
