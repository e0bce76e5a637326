"""The case API's newest-first order (undated cases last, on SQLite and PostgreSQL alike) and the
whole-response cache of anonymous GETs, which must not outlive a publish or a withdrawal."""

import datetime as dt

import pytest
from django.utils import timezone

from catalogue.models import Status
from products.models import Case
from tests.api_client import get

pytestmark = pytest.mark.django_db


def _case(key: str, date: dt.date | None, status: str = Status.PUBLISHED) -> Case:
    model = Case.objects.published().filter(institution__isnull=False).first()
    return Case.objects.create(
        key=key,
        product=model.product,
        institution=model.institution,
        status=status,
        province_id="330000",
        date=date,
    )


def test_newest_first_puts_undated_cases_last(api):
    undated = _case("order-undated", None)
    dated = _case("order-dated", dt.date(2099, 1, 1))
    ids = []
    url = "/api/v1/cases/?page_size=500"
    while url:
        body = get(api, url).json()
        ids += [c["id"] for c in body["results"]]
        url = body["next"]
    dates = {c.pk: c.date for c in Case.objects.published()}
    assert ids[0] == dated.pk
    first_undated = next(i for i, pk in enumerate(ids) if dates[pk] is None)
    assert undated.pk in ids[first_undated:]
    assert all(dates[pk] is None for pk in ids[first_undated:]), "a dated case after an undated one"
    assert all(dates[pk] is not None for pk in ids[:first_undated])


def _listed(api, url: str) -> set[int]:
    return {c["id"] for c in get(api, url).json()["results"]}


def test_cached_responses_see_a_publish_and_a_withdrawal(api, settings):
    settings.API_RESPONSE_CACHE_SECONDS = 600
    draft = _case("cache-draft", dt.date(2099, 2, 1), status=Status.DRAFT)
    url = "/api/v1/cases/?province=330000&page_size=5"
    before = get(api, url).json()
    assert draft.pk not in {c["id"] for c in before["results"]}
    assert get(api, url).json() == before  # served again (from the cache)
    # Published as the admin action does it: a bulk update that sets `modified`.
    Case.objects.filter(pk=draft.pk).update(status=Status.PUBLISHED, modified=timezone.now())
    after = get(api, url).json()
    assert draft.pk in {c["id"] for c in after["results"]}
    assert after["count"] == before["count"] + 1
    detail = get(api, f"/api/v1/cases/{draft.pk}/")
    Case.objects.filter(pk=draft.pk).update(status=Status.WITHDRAWN, modified=timezone.now())
    assert draft.pk not in _listed(api, url)
    assert get(api, url).json()["count"] == before["count"]
    get(api, f"/api/v1/cases/{draft.pk}/", status=404)
    assert detail.status_code == 200


def test_a_cached_response_still_answers_304(api, settings):
    settings.API_RESPONSE_CACHE_SECONDS = 600
    first = get(api, "/api/v1/cases/?page_size=3")
    again = get(api, "/api/v1/cases/?page_size=3", status=304, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again["ETag"] == first["ETag"]


def test_a_response_cache_turned_off_is_not_read_either(api, settings, monkeypatch):
    # Servers sharing one Redis may run with the cache on and off (the benchmark's second server);
    # off must not answer from what another process stored there.
    from catalogue.api import conditional

    real = get(api, "/api/v1/cases/?page_size=4").json()
    forged = (b'{"forged": true}', {"Content-Type": "application/json"})
    original_get = conditional.cache.get
    monkeypatch.setattr(
        conditional.cache,
        "get",
        lambda key, *a, **k: forged if key.startswith("api-response:") else original_get(key, *a, **k),
    )
    settings.API_RESPONSE_CACHE_SECONDS = 600
    assert get(api, "/api/v1/cases/?page_size=4").json() == {"forged": True}  # what another stored
    settings.API_RESPONSE_CACHE_SECONDS = 0
    assert get(api, "/api/v1/cases/?page_size=4").json() == real


@pytest.mark.parametrize("path", ["/api/v1/institutions/", "/api/v1/cases/", "/api/v1/products/"])
def test_relevance_after_another_ordering_is_ignored_not_a_server_error(api, path):
    # Found by schemathesis: `ordering=-name,relevance` reached order_by("relevance") (a 500).
    plain = get(api, f"{path}?ordering=-modified&page_size=20")
    mixed = get(api, f"{path}?ordering=-modified,relevance&page_size=20")
    assert plain.status_code == mixed.status_code == 200
    assert [r["id"] for r in mixed.json()["results"]] == [r["id"] for r in plain.json()["results"]]
