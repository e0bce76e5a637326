"""Ranking on PostgreSQL: the first ids of one or more kinds, their tiers and match counts, ranked
inside the statement that filters: one statement (two when a term is common).

It computes what `query._ranked_ids` computes on SQLite (and computed here too, kind by kind,
until now), in the same order and with the same counts, in fewer round trips: the /search/ page
(four kinds) took 14 statements for 绿色 at 100,000 cases and 21 at a million, an API list with
`q` up to 5 before its page, each a trip to the server and a plan.

1. `rare`: for every kind at once, up to CANDIDATE_CAP + 1 matches read from GIN with the tier
   each falls in; for a kind where that is all of them, those the caller's queryset lets through
   are ranked by a window (tier, then newest first) and counted exactly.
2. `common`, only for the kinds whose term had more matches: each tier is read on its own, from
   GIN when it has at most CANDIDATE_CAP matches, else by walking the (kind, sort_key) index newest
   first (the `search_newest` function, backends.py); a later tier is read only while the earlier
   ones leave the page short.

Which branch runs is decided inside the statement: each branch's WHERE holds an uncorrelated
condition (a count of what was read before it), which PostgreSQL evaluates once and, when false,
skips the branch without reading anything (a "One-Time Filter" in EXPLAIN).

Why not one statement for both: planning is paid for every branch whether it runs or not, and
the tiers of four kinds in one statement took 8–11 ms to plan at 100,000 cases (EXPLAIN ANALYZE),
more than the eleven statements it replaced took to plan together.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet

from catalogue.fulltext.backends import NEWEST_FUNCTION, TABLE, TIERS, PostgresBackend
from catalogue.fulltext.text import Query

_NEWEST = "sort_key DESC NULLS LAST, object_id DESC"


@dataclass
class KindRanking:
    """One kind's first ids in relevance order, their tiers, and the matches counted (up to the
    candidate cap; `more` when there are more)."""

    ids: list[int]
    ranks: dict[int, int]
    total: int
    more: bool


def _within(queryset: QuerySet) -> tuple[str, list]:
    """The caller's queryset as a SELECT of ids (published, for the public pages)."""
    sql, params = queryset.order_by().values("pk").query.get_compiler(using=queryset.db).as_sql()
    return sql, list(params)


class _Statement:
    """CTEs per kind, then one ranked SELECT per kind, joined by UNION ALL."""

    def __init__(self, query: Query, limit: int, cap: int) -> None:
        self.tsquery = PostgresBackend.tsquery(query)
        self.limit, self.cap = limit, cap
        self.ctes: list[str] = []
        self.selects: list[str] = []
        self.params: list = []
        self.select_params: list = []

    def cte(self, name: str, sql: str, params: list) -> None:
        self.ctes.append(f"{name} AS MATERIALIZED ({sql})")
        self.params += params

    def ranked(self, n: int, kind: str, source: str, total: str, more: str) -> None:
        """The kind's first `limit` rows of `source` (object_id, tier, sort_key) in rank order."""
        self.selects.append(
            f"SELECT kind, object_id, tier, total, more, rn FROM (SELECT %s AS kind, object_id, tier, {total} "
            f"AS total, {more} AS more, row_number() OVER (ORDER BY tier, {_NEWEST}) AS rn FROM {source}) "
            f"AS ranked_{n} WHERE rn <= {self.limit}"
        )
        self.select_params.append(kind)

    def sql(self) -> tuple[str, list]:
        selects = " UNION ALL ".join(f"({s})" for s in self.selects)
        # At most `limit` rows a kind: sorting them here costs nothing and fixes the order.
        return f"WITH {', '.join(self.ctes)} {selects} ORDER BY kind, rn", [*self.params, *self.select_params]


def _rare(querysets: dict[str, tuple[str, list]], query: Query, limit: int, cap: int) -> tuple[str, list]:
    st = _Statement(query, limit, cap)
    q = st.tsquery
    for n, (kind, (w_sql, w_params)) in enumerate(querysets.items()):
        c = f"k{n}_c"
        st.cte(
            c,
            "SELECT object_id, sort_key, name_doc @@ %s::tsquery AS in_name, head_doc @@ %s::tsquery AS in_head "
            f"FROM {TABLE} WHERE kind = %s AND document @@ %s::tsquery LIMIT {cap + 1}",
            [q, q, kind, q],
        )
        common = f"(SELECT count(*) > {cap} FROM {c})"
        # Not read for a common kind: its candidates are only a sample, and the tiers decide.
        st.cte(
            f"k{n}_allowed",
            "SELECT object_id, CASE WHEN in_name THEN 0 WHEN in_head THEN 1 ELSE 2 END AS tier, sort_key "
            f"FROM {c} WHERE NOT {common} AND object_id IN ({w_sql})",
            w_params,
        )
        st.ranked(n, kind, f"k{n}_allowed", "count(*) OVER ()", "false")
        # A row that says the kind is common, whether or not any candidate was allowed.
        st.selects.append(f"SELECT %s, NULL, NULL, NULL, true, 0 FROM {c} HAVING count(*) > {cap}")
        st.select_params.append(kind)
    return st.sql()


def _common(
    querysets: dict[str, tuple[str, list]], literals: dict[str, str], query: Query, limit: int, cap: int
) -> tuple[str, list]:
    """`literals`: each kind's queryset as SQL text with its values quoted in (by psycopg), for the
    walk function, which plans it inside itself."""
    st = _Statement(query, limit, cap)
    q = st.tsquery
    for n, (kind, (w_sql, w_params)) in enumerate(querysets.items()):
        parts, found = [], []
        for tier, (fields, exclude) in enumerate(TIERS):
            column = PostgresBackend.COLUMN[fields]
            excluded = PostgresBackend.COLUMN[exclude] if exclude else None
            test, test_params = f"{column} @@ %s::tsquery", [q]
            if excluded:
                test += f" AND NOT {excluded} @@ %s::tsquery"
                test_params.append(q)
            short = " + ".join(f"(SELECT count(*) FROM {f})" for f in found)
            gate = f" AND {short} < {limit}" if found else ""
            t, r = f"k{n}_t{tier}", f"k{n}_r{tier}"
            st.cte(
                t,
                f"SELECT object_id, sort_key FROM {TABLE} WHERE kind = %s AND {test}{gate} LIMIT {cap + 1}",
                [kind, *test_params],
            )
            st.cte(
                r,
                f"SELECT object_id, sort_key FROM {t} WHERE (SELECT count(*) <= {cap} FROM {t}) "
                f"AND object_id IN ({w_sql}) UNION ALL SELECT object_id, sort_key FROM "
                f"{NEWEST_FUNCTION}(%s, %s, %s, %s::tsquery, %s, {limit}) WHERE (SELECT count(*) > {cap} FROM {t})",
                [*w_params, kind, column, excluded, q, literals[kind]],
            )
            found.append(r)
            parts.append(f"SELECT object_id, {tier} AS tier, sort_key FROM {r}")
        st.cte(f"k{n}", " UNION ALL ".join(parts), [])
        st.ranked(n, kind, f"k{n}", str(cap), "true")
    return st.sql()


def rank_kinds(querysets: dict[str, QuerySet], query: Query, limit: int, cap: int) -> dict[str, KindRanking]:
    """Each kind's first `limit` ids of its queryset (one per kind, on one database) matching
    `query`, in relevance order, with their tiers and the matches counted up to `cap`."""
    db = next(iter(querysets.values())).db
    connection = connections[db]
    within = {kind: _within(qs) for kind, qs in querysets.items()}
    out = {kind: KindRanking([], {}, 0, False) for kind in querysets}
    common: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(*_rare(within, query, limit, cap))
        _collect(cursor.fetchall(), out, common)
        if common:
            literals = {k: connection.ops.compose_sql(*within[k]) for k in common}
            cursor.execute(*_common({k: within[k] for k in common}, literals, query, limit, cap))
            _collect(cursor.fetchall(), out, [])
    return out


def _collect(rows: list[tuple], out: dict[str, KindRanking], common: list[str]) -> None:
    for kind, object_id, tier, total, more, _ in rows:
        r = out[kind]
        if object_id is None:  # the marker row of a common kind
            common.append(kind)
            continue
        r.ids.append(object_id)
        r.ranks[object_id] = tier
        r.total, r.more = total, more
