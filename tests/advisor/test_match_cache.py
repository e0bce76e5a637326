"""/api/v1/match/ keeps its answer per request and catalogue version: a repeated request is not
ranked again, a change to the catalogue is seen at once, and API_RESPONSE_CACHE_SECONDS=0 keeps
nothing. What the ranking keeps per version (the words of products' texts, the span of their
cases' amounts) follows a change too."""

from __future__ import annotations

import pytest

from advisor import api, matching
from products.models import Case, Product

pytestmark = pytest.mark.django_db
URL = "/api/v1/match/"
PROFILE = {"province": "浙江省", "size": "small", "collateral": "data-assets", "amount": "1000000"}


@pytest.fixture
def ranked(monkeypatch):
    calls = []

    def counted(*args, **kwargs):
        calls.append(kwargs.get("version"))
        return matching.match(*args, **kwargs)

    monkeypatch.setattr(api, "match", counted)
    return calls


def test_a_repeated_request_is_answered_from_the_cache(client, settings, ranked):
    settings.API_RESPONSE_CACHE_SECONDS = 60
    first = client.get(URL, PROFILE)
    again = client.get(URL, PROFILE)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again["ETag"] == first["ETag"]
    assert len(ranked) == 1
    client.get(URL, {**PROFILE, "size": "micro"})  # another profile is ranked
    assert len(ranked) == 2


def test_a_catalogue_change_is_seen_at_once(client, settings, ranked):
    settings.API_RESPONSE_CACHE_SECONDS = 60
    first = client.get(URL, PROFILE).json()["results"][0]["product"]
    product = Product.objects.get(pk=first["id"])
    product.name = product.name + "（更名）"
    product.save()
    after = client.get(URL, PROFILE).json()["results"]
    assert len(ranked) == 2 and ranked[0] != ranked[1]
    assert product.name in {r["product"]["name"] for r in after}


def test_off_keeps_nothing(client, settings, ranked):
    settings.API_RESPONSE_CACHE_SECONDS = 0
    client.get(URL, PROFILE)
    client.get(URL, PROFILE)
    assert len(ranked) == 2


def test_case_spans_and_text_words_follow_the_version():
    product = Product.objects.published().exclude(description="").first()
    version = "v1"
    spans = matching._case_spans(version)
    words = matching._text_words(version)
    assert product.pk in words[""][""]
    # Under the same version the kept values are read back; a new version reads the catalogue.
    Case.objects.filter(product=product).update(amount=None)
    assert matching._case_spans(version) == spans
    fresh = matching._case_spans("v2")
    assert product.pk not in {pk for pk, *_ in fresh["amount"]}
    assert all(low <= high for _, low, high in fresh["amount"] + fresh["term"])
