"""Statements a search sends to PostgreSQL: planner settings only around a newest-first walk, all
of them in one set_config and put back in one, and the connection left as it was."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

import catalogue.fulltext.query as fulltext
from tests.api_client import get

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="planner settings are PostgreSQL's"),
]

SETTINGS = ("jit", "max_parallel_workers_per_gather", "enable_seqscan", "enable_bitmapscan", "enable_sort")
URL = "/api/v1/cases/?q=%E8%B4%B7&page_size=5"  # 贷: in most cases' text


def planner() -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join("current_setting(%s)" for _ in SETTINGS), list(SETTINGS))
        return cursor.fetchone()


def statements(url: str) -> list[str]:
    api = APIClient()
    # Every request a miss, as a partner's varied URLs are.
    with override_settings(API_RESPONSE_CACHE_SECONDS=0):
        get(api, url)  # the per-connection read of the defaults happens once, not in what is counted
        with CaptureQueriesContext(connection) as captured:
            body = get(api, url).json()
    assert body["results"], "the query must find cases for this test to say anything"
    sent = [q["sql"] for q in captured.captured_queries]
    assert any("catalogue_search_entry" in s for s in sent), "the search itself must be counted"
    return sent


def test_a_search_without_a_walk_sets_no_planner_settings():
    sent = statements(URL)
    assert not [s for s in sent if "set_config" in s or "current_setting" in s]


def test_a_walk_sets_every_setting_in_one_statement_and_restores_them(monkeypatch):
    before = planner()
    # Every tier counts as common: each is read by walking the index newest first.
    monkeypatch.setattr(fulltext, "CANDIDATE_CAP", 1)
    sent = statements(URL)
    configs = [i for i, s in enumerate(sent) if "set_config" in s]
    walks = [i for i, s in enumerate(sent) if "ORDER BY sort_key DESC" in s]
    assert walks and len(configs) == 2 * len(walks)
    for n, walk in enumerate(walks):
        enter, leave = configs[2 * n], configs[2 * n + 1]
        assert enter == walk - 1 and leave == walk + 1
        for name in ("jit", "max_parallel_workers_per_gather", "enable_bitmapscan", "enable_sort"):
            assert name in sent[enter] and name in sent[leave]
    assert planner() == before
