"""Ranking in one statement on PostgreSQL (catalogue/fulltext/ranking.py): the same ids, tiers and
counts as the per-kind reads it replaced (`_ranked_ids_by_kind`, still SQLite's path), in a number
of statements that does not grow with what a query finds, on the /search/ page and the API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import catalogue.fulltext.query as fulltext
from catalogue.fulltext.backends import PostgresBackend
from catalogue.fulltext.query import _query, _ranked_ids_by_kind
from catalogue.fulltext.ranking import rank_kinds
from search import presentation
from search.results import search as search_page
from tests.api_client import get

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement ranking is PostgreSQL's"),
]

# Rare and common words, several terms, prefixes, phrases, a word in no record.
QUERIES = [
    "绿色",
    "银行",
    "贷",
    "Hunan",
    "湖南 民宿",
    "建行",
    "碳达峰",
    "订单e贷",
    "green bill",
    "e",
    "质押",
    "无此词",
]
# The default cap (every kind rare on the curated catalogue) and caps that make kinds common,
# so every tier takes each of its paths: read from GIN, or walked newest first.
CAPS = [fulltext.CANDIDATE_CAP, 30, 5, 1]


def _querysets() -> dict:
    return {kind: presentation.public_queryset(kind) for kind in presentation.ORDER}


@pytest.mark.parametrize("cap", CAPS)
@pytest.mark.parametrize("q", QUERIES)
def test_one_statement_ranks_as_the_per_kind_reads(q, cap):
    query = _query(q)
    got = rank_kinds(_querysets(), query, 10, cap)
    for kind, qs in _querysets().items():
        ids, ranks, total, more = _ranked_ids_by_kind(qs, query, 10, cap)
        r = got[kind]
        assert (r.ids, r.ranks) == (ids, ranks), (kind, q, cap)
        if ids:  # a kind without results shows no count
            assert (r.total, r.more) == (total, more), (kind, q, cap)


def _page_statements(q: str, per_kind: int) -> tuple[int, frozenset[str]]:
    search_page(q, per_kind=per_kind)  # the per-connection setup happens once, not in what is counted
    with CaptureQueriesContext(connection) as captured:
        found = search_page(q, per_kind=per_kind)
    assert found.groups, f"{q} must find something for this test to say anything"
    return len(captured.captured_queries), frozenset(g.kind for g in found.groups)


@pytest.mark.parametrize("cap", [fulltext.CANDIDATE_CAP, 1])
def test_the_page_runs_the_same_statements_whatever_it_finds(monkeypatch, cap):
    """The ranking (one statement; a second when a kind's term is common), the records of each kind
    with results, the institutions' aliases: at most 7, the same for one result a kind as for ten."""
    monkeypatch.setattr(fulltext, "CANDIDATE_CAP", cap)
    for q in ("银行", "贷", "建行"):
        seen = {_page_statements(q, n) for n in (1, 3, 10)}
        assert len(seen) == 1, (q, seen)
        ((count, kinds),) = seen
        common = cap == 1
        assert count == 1 + common + len(kinds) + ("institution" in kinds), (q, count, kinds)
        assert count <= 7


def test_the_page_shows_what_the_per_kind_reads_show(monkeypatch):
    """The rendered groups (titles, snippets, facts, links, counts) from the one statement and
    from the per-kind reads are the same."""

    def shown(results):
        return [
            (g.kind, g.count, g.more, [(h.obj.pk, h.title, h.snippet, h.meta, h.url) for h in g.hits])
            for g in results.groups
        ]

    for cap in (fulltext.CANDIDATE_CAP, 2):
        monkeypatch.setattr(fulltext, "CANDIDATE_CAP", cap)
        for q in ("绿色", "银行", "建行", "湖南 民宿"):
            one = shown(search_page(q))
            with monkeypatch.context() as m:
                m.setattr(PostgresBackend, "one_statement", False)  # the per-kind path
                per_kind = shown(search_page(q))
            assert one == per_kind, (q, cap)


@pytest.mark.parametrize("cap", [fulltext.CANDIDATE_CAP, 1])
def test_an_api_list_with_q_ranks_in_one_statement_before_its_page(api, settings, monkeypatch, cap):
    """`/api/v1/cases/?q=` reads its page's ids in one ranking statement (two for a common term),
    whatever the page size, and sends no planner settings of its own."""
    common = cap < fulltext.CANDIDATE_CAP
    monkeypatch.setattr(fulltext, "CANDIDATE_CAP", cap)
    settings.API_RESPONSE_CACHE_SECONDS = 0  # every request a miss, as a partner's varied URLs are
    seen = set()
    for size in (1, 5, 20):
        url = f"/api/v1/cases/?q=%E8%B4%B7&page_size={size}"  # 贷
        get(api, url)
        with CaptureQueriesContext(connection) as captured:
            assert get(api, url).json()["results"]
        sent = [q["sql"] for q in captured.captured_queries]
        ranking = [s for s in sent if "catalogue_search_entry" in s]
        assert len(ranking) == 1 + common, ranking
        assert not [s for s in sent if "set_config" in s]
        seen.add(len(sent))
    assert len(seen) == 1, seen
