"""Both pagination modes: numbered pages for browsing, keyset cursors (no OFFSET) for syncing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.api.pagination import decode_cursor, encode_cursor
from products.models import Case
from tests.api_client import get, problem_fields

pytestmark = pytest.mark.django_db


def walk(api, url):
    """Follow `next` links; returns every result and the number of pages."""
    rows, pages = [], 0
    while url:
        body = get(api, url).json()
        rows += body["results"]
        url, pages = body["next"], pages + 1
        assert pages < 1000
    return rows, pages


def test_page_mode_walks_every_record_once(api, many_cases):
    rows, pages = walk(api, "/api/v1/cases/?page_size=50")
    assert len(rows) == Case.objects.published().count() == len({r["id"] for r in rows})
    assert pages == -(-len(rows) // 50)
    body = get(api, "/api/v1/cases/?page=2&page_size=50").json()
    assert "page=3" in body["next"] and "page=" not in body["previous"]
    assert get(api, "/api/v1/cases/?page=last&page_size=50").json()["next"] is None


def test_page_past_the_end_is_a_404_about_page(api):
    response = get(api, "/api/v1/cases/?page=9999", status=404)
    assert problem_fields(response) == ["page"]
    assert response.json()["type"].endswith(":not-found")


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "1.5"])
def test_bad_page_numbers_are_400(api, raw):
    assert problem_fields(get(api, f"/api/v1/cases/?page={raw}", status=400)) == ["page"]


@pytest.mark.parametrize("raw", ["501", "100000", "0", "abc"])
def test_page_size_over_the_cap_or_invalid_is_400(api, raw):
    assert problem_fields(get(api, f"/api/v1/regions/?page_size={raw}", status=400)) == ["page_size"]


def test_page_size_at_the_cap_is_served(api):
    assert len(get(api, "/api/v1/regions/?page_size=500").json()["results"]) == 500


def test_cursor_mode_walks_every_record_once_in_modified_id_order(api, many_cases):
    rows, pages = walk(api, "/api/v1/cases/?pagination=cursor&page_size=37")
    assert len(rows) == Case.objects.published().count() == len({r["id"] for r in rows})
    assert pages == -(-len(rows) // 37) or pages == -(-len(rows) // 37) + 1
    order = [(r["modified"], r["id"]) for r in rows]
    assert order == sorted(order)
    first = get(api, "/api/v1/cases/?pagination=cursor&page_size=5").json()
    assert set(first) == {"next", "previous", "results"} and first["previous"] is None


def test_cursor_pages_never_use_offset(api, many_cases):
    url = get(api, "/api/v1/cases/?pagination=cursor&page_size=100").json()["next"]
    with CaptureQueriesContext(connection) as ctx:
        get(api, url)
    assert not any("OFFSET" in q["sql"].upper() for q in ctx.captured_queries)


def test_cursor_walk_survives_changes_during_the_walk(api, many_cases):
    """A record changed mid-walk moves to the end (newest modified) and is still seen."""
    body = get(api, "/api/v1/cases/?pagination=cursor&page_size=50").json()
    seen = [r["id"] for r in body["results"]]
    early = Case.objects.get(pk=seen[0])
    early.summary = "changed during the sync"
    early.save()
    rest, _ = walk(api, body["next"])
    ids = seen + [r["id"] for r in rest]
    assert set(ids) == set(Case.objects.published().values_list("pk", flat=True))
    assert ids.count(early.pk) == 2  # once before, once again after its change: upsert twice


def test_vocabularies_page_by_key_in_cursor_mode(api):
    rows, _ = walk(api, "/api/v1/regions/?pagination=cursor&page_size=500")
    codes = [r["code"] for r in rows]
    assert codes == sorted(codes) and len(codes) == len(set(codes)) > 3000


@pytest.mark.parametrize("cursor", ["abc", "W10", encode_cursor(["yesterday", 3]), encode_cursor([1, 2, 3])])
def test_bad_cursor_is_400(api, cursor):
    assert problem_fields(get(api, f"/api/v1/cases/?cursor={cursor}", status=400)) == ["cursor"]


def test_bad_pagination_mode_is_400(api):
    assert problem_fields(get(api, "/api/v1/cases/?pagination=offset", status=400)) == ["pagination"]


def test_cursor_round_trip():
    import datetime as dt

    moment = dt.datetime(2024, 5, 1, 8, 0, 0, 123456, tzinfo=dt.UTC)
    assert decode_cursor(encode_cursor([moment, 42]), ("modified", "pk")) == [moment, 42]
