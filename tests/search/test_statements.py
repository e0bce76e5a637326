"""Statements a search sends to PostgreSQL: no planner settings of its own (the newest-first walk
holds them as SET clauses of its function), and the connection left as it was."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

import catalogue.fulltext.query as fulltext
from catalogue.fulltext.backends import NEWEST_FUNCTION
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
        get(api, url)
        with CaptureQueriesContext(connection) as captured:
            body = get(api, url).json()
    assert body["results"], "the query must find cases for this test to say anything"
    sent = [q["sql"] for q in captured.captured_queries]
    assert any("catalogue_search_entry" in s for s in sent), "the search itself must be counted"
    return sent


def test_a_search_without_a_walk_sets_no_planner_settings():
    sent = statements(URL)
    assert not [s for s in sent if "set_config" in s or "current_setting" in s]
    assert not [s for s in sent if NEWEST_FUNCTION in s]


def test_a_walk_runs_under_its_functions_settings_and_leaves_the_connections(monkeypatch):
    before = planner()
    # Every tier counts as common: each is read by walking the index newest first.
    monkeypatch.setattr(fulltext, "CANDIDATE_CAP", 1)
    sent = statements(URL)
    assert [s for s in sent if f"{NEWEST_FUNCTION}(" in s], "the walk must be in what was sent"
    assert not [s for s in sent if "set_config" in s or "current_setting" in s]
    assert planner() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT proconfig FROM pg_proc WHERE proname = %s", [NEWEST_FUNCTION])
        (config,) = cursor.fetchone()
    for setting in (
        "jit=off",
        "max_parallel_workers_per_gather=0",
        "enable_bitmapscan=off",
        "enable_sort=off",
    ):
        assert setting in config
