"""What the /search/ page shows: the first records of each kind, grouped, with highlights, and a
shorter query to try when nothing matches."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils.translation import get_language

from catalogue.fulltext.backends import ALL, KINDS, backend_for
from catalogue.fulltext.query import _query, ranked, ranked_kinds
from catalogue.fulltext.text import Query
from catalogue.versioning import catalogue_version
from search import presentation
from search.presentation import Hit


@dataclass
class Group:
    kind: str
    label: str
    hits: list[Hit]
    count: int
    more: bool  # count is a lower bound
    list_url: str


@dataclass
class Results:
    query: Query
    groups: list[Group] = field(default_factory=list)
    suggestion: str = ""

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups)


def search(q: str | Query, *, per_kind: int = 10) -> Results:
    """Everything the /search/ page shows: up to `per_kind` published records of each kind."""
    query = _query(q)
    results = Results(query=query)
    if not query:
        return results
    # One ranking statement for every kind on PostgreSQL (two for a common term), then each kind's
    # records: at most seven statements whatever the query finds (绿色 took 14 at 100,000 cases
    # and 21 at a million).
    pages = ranked_kinds(
        {kind: presentation.public_queryset(kind) for kind in presentation.ORDER}, query, per_kind
    )
    for kind in presentation.ORDER:
        page = pages[kind]
        hits = page.objects
        if not hits:
            continue
        results.groups.append(
            Group(
                kind=kind,
                label=presentation.LABELS[kind],
                hits=[presentation.hit(kind, o, query) for o in hits],
                count=page.count,
                more=page.more,
                list_url=presentation.list_url(kind, query.text),
            )
        )
    if not results.groups:
        results.suggestion = suggest(query)
    return results


def cached_search(q: str | Query, *, per_kind: int = 10) -> Results:
    """`search`, kept per catalogue version, language and query: the same words (绿色, 科技贷) are
    asked by many people, and what they find changes only when the catalogue does (the version
    moves on every publish, edit or withdrawal, as for the API's response cache)."""
    query = _query(q)
    seconds = settings.API_RESPONSE_CACHE_SECONDS
    if not query or not seconds:
        return search(query, per_kind=per_kind)
    raw = f"{catalogue_version()}|{get_language()}|{per_kind}|{query.text}"
    key = "search-page:" + hashlib.sha256(raw.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = search(query, per_kind=per_kind)
        cache.set(key, found, seconds)
    return found


def _reading():
    """The connection this request's reads use (a replica when catalogue.db_routing chose one), so
    the raw index queries go where the ORM's queries go."""
    return connections[presentation.public_queryset(presentation.ORDER[0]).db]


def _exists(query: Query) -> bool:
    return any(ranked(presentation.public_queryset(k), query, 1, cap=200).objects for k in KINDS)


def _index_has(term: str) -> bool:
    """Cheap check on the index alone (any kind, any status): used only to build a suggestion."""
    connection = _reading()
    backend = backend_for(connection)
    q = Query(text=term, terms=(term,))
    with connection.cursor() as cursor:
        for kind in KINDS:
            sql, params = backend.match_sql(kind, q, ALL)
            cursor.execute(f"{sql} LIMIT 1", params)
            if cursor.fetchone():
                return True
    return False


def _pieces(term: str, budget: list[int]) -> list[str]:
    """A term that finds nothing, cut into the longest pieces that do (绿色票据优惠券 → 绿色票据)."""
    out, i = [], 0
    while i < len(term) - 1 and budget[0] > 0:
        for j in range(len(term), i + 1, -1):
            budget[0] -= 1
            if _index_has(term[i:j]):
                out.append(term[i:j])
                i = j
                break
            if budget[0] <= 0:
                break
        else:
            i += 1
    return out


def suggest(q: str | Query) -> str:
    """A relaxed query that finds something, or "" when none is found.

    Terms that find records alone are kept, the others are cut to their longest matching pieces,
    and pieces are dropped from the end until the whole query matches a published record.
    """
    query = _query(q)
    budget = [60]  # index look-ups at most, so a long query stays cheap
    kept: list[str] = []
    for term in query.terms:
        if _index_has(term):
            kept.append(term)
        else:
            kept += [p for p in _pieces(term, budget) if p not in kept]
    while kept:
        candidate = Query(text=" ".join(kept), terms=tuple(kept))
        if candidate.terms != query.terms and _exists(candidate):
            return candidate.text
        kept.pop()
    return ""
