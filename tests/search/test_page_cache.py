"""The /search/ page keeps what a query found per catalogue version and language: asked again it
runs no search, and a publish, an edit or a withdrawal is seen at once."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalogue.models import Status
from products.models import Product
from tests.factories import ProductFactory

WORD = "缓存测试专用贷"


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.API_RESPONSE_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


def found(client, q: str, lang: str = "zh-hans") -> set[int]:
    response = client.get("/search/", {"q": q, "lang": lang})
    assert response.status_code == 200
    return {h.obj.pk for g in response.context["results"].groups if g.kind == "product" for h in g.hits}


@pytest.mark.django_db
def test_a_repeated_query_runs_no_search(client):
    first = found(client, "绿色")
    assert first
    with CaptureQueriesContext(connection) as ctx:
        assert found(client, "绿色") == first
    searched = [q["sql"] for q in ctx.captured_queries if "search_entry" in q["sql"]]
    assert searched == []  # only the version lookup (and the session's own queries) ran


@pytest.mark.django_db
def test_publish_edit_and_withdrawal_are_seen_at_once(client):
    draft = ProductFactory(name=WORD, status=Status.DRAFT)
    assert draft.pk not in found(client, WORD)
    # Published as the admin action does it: a bulk update that sets `modified`.
    Product.objects.filter(pk=draft.pk).update(status=Status.PUBLISHED, modified=timezone.now())
    assert draft.pk in found(client, WORD)
    draft.refresh_from_db()
    draft.name = "改名后的产品"
    draft.save()
    assert draft.pk not in found(client, WORD)
    assert draft.pk in found(client, "改名后的产品")
    Product.objects.filter(pk=draft.pk).update(status=Status.WITHDRAWN, modified=timezone.now())
    assert draft.pk not in found(client, "改名后的产品")


@pytest.mark.django_db
def test_each_language_has_its_own_page(client):
    def metas(lang: str) -> list[str]:
        response = client.get("/search/", {"q": "绿色", "lang": lang})
        return [m for g in response.context["results"].groups for h in g.hits for m in h.meta]

    zh = metas("zh-hans")
    en = metas("en")
    assert "绿色票据贴现" in zh and "Green bill discounting" in en  # a category, in each language
    assert metas("en") == en and metas("zh-hans") == zh


@pytest.mark.django_db
def test_off_when_the_response_cache_is_off(client, settings):
    settings.API_RESPONSE_CACHE_SECONDS = 0
    found(client, "绿色")
    with CaptureQueriesContext(connection) as ctx:
        found(client, "绿色")
    assert any("search_entry" in q["sql"] for q in ctx.captured_queries)
