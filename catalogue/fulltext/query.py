"""Search across products, cases, institutions and policy notices.

Contract used by the FilterSets (`q` on every list) and the /search/ page:
    filter_queryset(queryset, q) -> queryset restricted to records matching q, most relevant first.

How it works: every record has one row in an index table (backends.py) holding the character
bigrams of what a person would type to find it (search/documents.py), normalised so that full-width,
traditional and PDF-spaced text meets the query in one form (text.py). A query matches a record
when each of its terms occurs in it; records whose name or title holds the whole query come first,
then those where it is in names of related things (institution, place, category), then the rest,
and newer before older within each. The index is kept current by search/index.py.

`filter_queryset` is the lazy, filterable form (FilterSets, API lists); `ranked` fetches the first
page of the same order without ranking every match (the /search/ page, `search`), which is what
keeps a million cases fast; `test_relevance.py` checks the two agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections
from django.db.models import Case as CaseWhen
from django.db.models import F, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from catalogue.fulltext.backends import ALL, DATE_FIELD, HEAD, KINDS, NAME, TIERS, backend_for
from catalogue.fulltext.ranking import rank_kinds
from catalogue.fulltext.text import Query, parse_query

RANK = "search_rank"

# Run before every query: the index app registers its flush of pending writes here, so a search
# sees the writes made earlier in the same transaction. A hook keeps this module free of any
# domain model (the index, which knows the models, sits above it).
BEFORE_QUERY: list[Callable[[], None]] = []


def _before_query() -> None:
    for hook in BEFORE_QUERY:
        hook()


def _query(q: str | Query) -> Query:
    return q if isinstance(q, Query) else parse_query(q)


def _kind(queryset: QuerySet) -> str:
    kind = queryset.model._meta.model_name
    if kind not in KINDS:
        raise ValueError(f"{queryset.model.__name__} is not searchable")
    return kind


def _backend(queryset: QuerySet):
    return backend_for(connections[queryset.db])


class _Match(RawSQL):
    """The `q` restriction `filter_queryset` adds, marked so `ranked_slice` can take it off again
    (it walks the index itself, and the restriction would only repeat that work)."""


def _match(queryset: QuerySet, query: Query, fields: str = ALL) -> RawSQL:
    return _Match(*_backend(queryset).match_sql(_kind(queryset), query, fields))


def filter_queryset(queryset: QuerySet, q: str | Query) -> QuerySet:
    """`queryset` restricted to records matching `q`, most relevant first.

    Relevance: the whole query in the record's name or title (rank 0), else in names and related
    names (1), else anywhere (2); then newest first. The ranking is an annotation (`search_rank`),
    so a caller may order by something else and keep the match. The order is the one `top` gives.
    """
    query = _query(q)
    if not query.text:
        return queryset
    if not query:  # only punctuation: nothing can match it
        return queryset.none()
    _before_query()
    rank = CaseWhen(
        When(pk__in=_match(queryset, query, NAME), then=Value(0)),
        When(pk__in=_match(queryset, query, HEAD), then=Value(1)),
        default=Value(2),
    )
    newest = F(DATE_FIELD[_kind(queryset)]).desc(nulls_last=True)
    searched = (
        queryset.filter(pk__in=_match(queryset, query, ALL))
        .annotate(**{RANK: rank})
        .order_by(RANK, newest, "-pk")
    )
    return searched


# Beyond this many records into the order, `ranked_slice` leaves the page to SQL: a tier walk
# reads about as many index entries as the records it skips, and deep pages are rare.
SLICE_LIMIT = 2000


def _unsearched(queryset: QuerySet) -> QuerySet | None:
    """`queryset` without the restriction and ranking `filter_queryset` added (every other filter
    kept), or None when they cannot be told apart (an OR around the match, say)."""
    within = queryset.order_by()
    where = within.query.where
    if where.connector != "AND" or where.negated:
        return None
    kept = [c for c in where.children if not isinstance(getattr(c, "rhs", None), _Match)]
    if len(kept) == len(where.children):
        return None
    where.children = kept
    within.query.annotations.pop(RANK, None)
    if within.query.annotation_select_mask is not None:
        within.query.set_annotation_mask(set(within.query.annotation_select_mask) - {RANK})
    return within


def ranked_slice(queryset: QuerySet, q: str | Query, start: int, stop: int) -> list | None:
    """Records `start`–`stop` of a queryset `filter_queryset(…, q)` put in relevance order, read
    tier by tier through the index as `ranked` reads a first page, or None when that does not apply
    (the order was changed since, or the slice is deep): then the caller slices the queryset itself.
    The list selector (catalogue/listing.py) passes it to the paginator with `q`, as a value.

    Why: in SQL the order means a tier for every match, then a sort — on 100,000 cases the plan
    PostgreSQL picks for `q=绿色` computes the tier of every published case (0.6 s; 6.5 s at a
    million); the walk reads a page's worth of index entries per tier."""
    query = _query(q)
    order = queryset.query.order_by
    if not query or not order or order[0] != RANK or stop > SLICE_LIMIT or queryset.query.is_sliced:
        return None
    within = _unsearched(queryset)
    if within is None:
        return None
    ids, ranks, _, _ = _ranked_ids(within, query, stop)
    return _records(within, ids[start:stop], ranks)


def _records(queryset: QuerySet, ids: list[int], ranks: dict[int, int]) -> list:
    """The records of `ids` in that order, each with its tier as RANK (as the ordered queryset
    would annotate it)."""
    found = queryset.in_bulk(ids)
    out = []
    for pk in ids:
        if pk in found:
            setattr(found[pk], RANK, ranks[pk])
            out.append(found[pk])
    return out


# Matches read from GIN before a tier counts as common and is walked newest first instead; also
# where exact counts stop ("500+"). Chosen with scripts/bench_search.py: reading a candidate
# costs about as much as walking ten index entries, and a walk stops after ~10 × N / matches.
CANDIDATE_CAP = 500


def _within(queryset: QuerySet) -> tuple[str, list]:
    inner = queryset.order_by().values("pk")
    return inner.query.get_compiler(using=queryset.db).as_sql()


def _allowed(queryset: QuerySet, ids: list[int]) -> set[int]:
    """Which of these ids the caller's queryset (published, other filters) lets through."""
    if not ids:
        return set()
    within = queryset.order_by().values_list("pk").query.get_compiler(using=queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(*_backend(queryset).among_sql(within, ids))
        return {row[0] for row in cursor.fetchall()}


def _newest_first(rows: list[tuple]) -> list[tuple]:
    """(id, sort key) rows in the index's order: sort key descending, missing last, then id."""
    # A missing key sorts among the missing only (the first item), so 0 never meets a real key.
    return sorted(rows, key=lambda r: (r[1] is not None, r[1] if r[1] is not None else 0, r[0]), reverse=True)


@dataclass
class Page:
    """The first records of a search of one kind, and how many match (exact up to the cap)."""

    objects: list
    count: int
    more: bool  # more than `count` match


def ranked_kinds(querysets: dict[str, QuerySet], q: str | Query, limit: int = 10) -> dict[str, Page]:
    """`ranked` for several kinds at once (the /search/ page): where the database ranks in one
    statement, every kind is ranked by the same statement, then each kind's records are fetched."""
    query = _query(q)
    if not query:
        return {kind: Page([], 0, False) for kind in querysets}
    first = next(iter(querysets.values()))
    if not _backend(first).one_statement or len({qs.db for qs in querysets.values()}) > 1:
        return {kind: ranked(qs, query, limit) for kind, qs in querysets.items()}
    _before_query()
    found = rank_kinds(querysets, query, limit, CANDIDATE_CAP)
    return {
        kind: Page(_records(querysets[kind], r.ids, r.ranks) if r.ids else [], r.total, r.more)
        for kind, r in found.items()
    }


def ranked(queryset: QuerySet, q: str | Query, limit: int = 10, *, cap: int | None = None) -> Page:
    """The first `limit` records of `filter_queryset(queryset, q)` and the number of matches.

    One query reads at most `cap` matches from the index with the tier each falls in; when that is
    all of them they are ranked here and counted exactly. A term with more matches is common, so
    each tier is then read newest first from the index, which fills a page after a few thousand
    entries at most. Neither path reads every match of a common term: on a million cases that is
    the difference between milliseconds and seconds (scripts/bench_search.py).
    """
    query = _query(q)
    if not query:
        return Page([], 0, False)
    ids, ranks, total, more = _ranked_ids(queryset, query, limit, cap)
    return Page(_records(queryset, ids, ranks), total, more)


def _ranked_ids(
    queryset: QuerySet, query: Query, limit: int, cap: int | None = None
) -> tuple[list[int], dict[int, int], int, bool]:
    """(ids of the first `limit` records in relevance order, their tiers, matches counted up to
    the cap, whether there are more): the work of `ranked`, without fetching the records."""
    cap = CANDIDATE_CAP if cap is None else cap
    _before_query()
    backend, kind = _backend(queryset), _kind(queryset)
    if backend.one_statement:
        r = rank_kinds({kind: queryset}, query, limit, cap)[kind]
        return r.ids, r.ranks, r.total, r.more
    return _ranked_ids_by_kind(queryset, query, limit, cap)


def _ranked_ids_by_kind(
    queryset: QuerySet, query: Query, limit: int, cap: int
) -> tuple[list[int], dict[int, int], int, bool]:
    """`_ranked_ids` in statements of its own: one candidate read, then the caller's queryset
    applied to them, or a read per tier (SQLite; ranking.py is this in one statement)."""
    backend, kind = _backend(queryset), _kind(queryset)
    ids: list[int] = []
    ranks: dict[int, int] = {}
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(*backend.candidates_sql(kind, query, cap + 1))
        rows = cursor.fetchall()
        if len(rows) <= cap:
            allowed = _allowed(queryset, [r[0] for r in rows])
            rows = [r for r in rows if r[0] in allowed]
            by_tier: list[list[tuple]] = [[], [], []]
            for pk, sort_key, in_name, in_head in rows:
                by_tier[0 if in_name else 1 if in_head else 2].append((pk, sort_key))
            for rank, tier in enumerate(by_tier):
                for pk, _ in _newest_first(tier)[: limit - len(ids)]:
                    ids.append(pk)
                    ranks[pk] = rank
            total, more = len(rows), False
        else:
            for rank, (fields, exclude) in enumerate(TIERS):
                for pk in _tier(queryset, cursor, query, fields, exclude, limit - len(ids), cap):
                    ids.append(pk)
                    ranks[pk] = rank
                if len(ids) >= limit:
                    break
            total, more = cap, True
    return ids, ranks, total, more


def _tier(queryset: QuerySet, cursor, query: Query, fields: str, exclude: str | None, need: int, cap: int):
    """The newest `need` ids of one tier: from at most `cap` GIN matches sorted here, or, when the
    tier has more, by walking the index newest first (which then stops within a few thousand)."""
    backend, kind = _backend(queryset), _kind(queryset)
    cursor.execute(*backend.tier_candidates_sql(kind, query, fields, exclude, cap + 1))
    rows = cursor.fetchall()
    if len(rows) <= cap:
        allowed = _allowed(queryset, [r[0] for r in rows])
        return [pk for pk, _ in _newest_first(rows) if pk in allowed][:need]
    with backend.walk(cursor):
        cursor.execute(*backend.newest_sql(kind, query, fields, exclude, _within(queryset), need))
        return [r[0] for r in cursor.fetchall()]


def top(queryset: QuerySet, q: str | Query, limit: int = 10) -> list:
    """The first `limit` records of `filter_queryset(queryset, q)` (see `ranked`)."""
    return ranked(queryset, q, limit).objects


__all__ = [
    "BEFORE_QUERY",
    "CANDIDATE_CAP",
    "Page",
    "filter_queryset",
    "parse_query",
    "ranked",
    "ranked_kinds",
    "ranked_slice",
    "top",
]
