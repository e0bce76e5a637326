"""Incremental sync: modified_since returns what changed — created, modified and withdrawn
records — and a mirror that follows the documented recipe ends equal to the catalogue."""

import datetime as dt

import pytest
from django.utils import timezone

from catalogue.models import Status
from products.models import Case, Product
from tests.api_client import get, problem_fields

pytestmark = pytest.mark.django_db


def changed(api, resource, since, extra=""):
    stamp = since.isoformat().replace("+", "%2B")
    url = f"/api/v1/{resource}/?modified_since={stamp}&pagination=cursor&page_size=500{extra}"
    rows = []
    while url:
        body = get(api, url).json()
        rows += body["results"]
        url = body["next"]
    return {r["id"]: r for r in rows}


def test_created_modified_and_withdrawn_records_show_up(api):
    since = timezone.now()
    assert changed(api, "cases", since) == {}

    created = Case.objects.published().first()
    created.pk, created.key, created.status = None, "sync-new", Status.PUBLISHED
    created.save()
    modified = Case.objects.published().exclude(pk=created.pk).last()
    modified.summary = "订正摘要"
    modified.save()
    withdrawn = Case.objects.published().exclude(pk__in=[created.pk, modified.pk]).first()
    withdrawn.status = Status.WITHDRAWN
    withdrawn.save()
    draft = Case.objects.published().exclude(pk__in=[created.pk, modified.pk, withdrawn.pk]).first()
    draft.status = Status.DRAFT
    draft.save()

    rows = changed(api, "cases", since)
    assert set(rows) == {created.pk, modified.pk, withdrawn.pk}, "drafts are never shown"
    assert rows[modified.pk]["summary"] == "订正摘要"
    assert rows[withdrawn.pk]["status"] == "withdrawn"
    assert rows[created.pk]["status"] == "published"
    # Without modified_since the list stays the public catalogue.
    ids = {r["id"] for r in get(api, "/api/v1/cases/?page_size=500").json()["results"]}
    assert withdrawn.pk not in ids and draft.pk not in ids and created.pk in ids


def test_a_mirror_following_the_recipe_equals_the_catalogue(api):
    """Full copy by cursor, then upsert published / delete withdrawn from modified_since."""
    mirror = {r["id"]: r for r in changed(api, "products", dt.datetime(2000, 1, 1, tzinfo=dt.UTC)).values()}
    high_water = max(dt.datetime.fromisoformat(r["modified"]) for r in mirror.values())

    gone = Product.objects.published().first()
    gone.status = Status.WITHDRAWN
    gone.save()
    renamed = Product.objects.published().last()
    renamed.name = "新名称"
    renamed.save()

    for pk, row in changed(api, "products", high_water - dt.timedelta(minutes=5)).items():
        if row["status"] == "withdrawn":
            mirror.pop(pk, None)
        else:
            mirror[pk] = row
    assert set(mirror) == set(Product.objects.published().values_list("pk", flat=True))
    assert mirror[renamed.pk]["name"] == "新名称"


def test_filters_combine_with_modified_since(api):
    since = timezone.now()
    hunan = Case.objects.published().filter(province_id="430000").first()
    other = Case.objects.published().exclude(province_id="430000").first()
    for case in (hunan, other):
        case.save()
    assert set(changed(api, "cases", since, "&province=430000")) == {hunan.pk}


@pytest.mark.parametrize(
    "value",
    ["2024-05-01", "2024-05-01T08:00:00%2B08:00", "2024-05-01T00:00:00Z", "2024-05-01T08:00:00+08:00"],
)
def test_modified_since_accepts_dates_and_datetimes_with_offset(api, value):
    # The last one arrives with "+" decoded as a space, as from a client that forgot to encode it.
    assert get(api, f"/api/v1/products/?modified_since={value}").json()["count"] > 0


def test_a_date_means_midnight_in_shanghai(api):
    product = Product.objects.published().first()
    Product.objects.filter(pk=product.pk).update(modified=dt.datetime(2030, 1, 1, 16, 30, tzinfo=dt.UTC))
    # 2030-01-02 00:00 Shanghai = 2030-01-01 16:00 UTC
    ids = {r["id"] for r in get(api, "/api/v1/products/?modified_since=2030-01-02").json()["results"]}
    assert ids == {product.pk}


@pytest.mark.parametrize(
    "value",
    ["yesterday", "2024-13-01", "2024-02-30", "2024-05-01T08:00:00", "2024-05-01T25:00:00Z", "1714521600"],
)
def test_bad_modified_since_is_a_400_about_it(api, value):
    assert problem_fields(get(api, f"/api/v1/cases/?modified_since={value}", status=400)) == [
        "modified_since"
    ]


def test_vocabularies_without_timestamps_are_returned_whole(api):
    body = get(api, "/api/v1/themes/?modified_since=2999-01-01").json()
    assert body["count"] == 5


def test_every_synced_record_has_created_and_modified(api):
    for resource in ("products", "cases", "policies", "metrics", "institutions"):
        rows = get(api, f"/api/v1/{resource}/?page_size=20").json()["results"]
        assert rows, resource
        for row in rows:
            assert dt.datetime.fromisoformat(row["created"]) <= dt.datetime.fromisoformat(row["modified"])
