"""The search index table on each database: its schema, writes, and the SQL that matches a query.

One row per record, keyed by (kind, object id). A record's text comes in three fields (see
search/documents.py): `name` (its names, titles, aliases), `tags` (names of what it belongs to:
institution, places, category, themes) and `body` (descriptions, summaries, excerpts). Ranking
has three tiers — the whole query in `name`, else in `name`+`tags`, else anywhere — then newest
first by `sort_key`. Every token is a character bigram of normalised text (text.py), so neither
database's own text-search configuration ever has to split Chinese.

PostgreSQL: a plain table with one `tsvector` per tier (`name_doc` ⊂ `head_doc` ⊂ `document`),
each with a GIN index per kind. One vector with weights ('x':A) would do the matching, but the
planner estimates a weighted query as if it were unweighted; with a vector per tier its statistics
are right, so for each tier it picks between a GIN lookup (rare terms) and walking the (kind,
sort_key) index newest first until a page is full (common terms such as 绿色), and neither plan
reads every row. Phrases (碳达峰 = 碳达 <-> 达峰) are checked on the stored positions, so a term matches
exactly where it occurs as a substring.

Why bigram tsvectors and not pg_trgm: measured with scripts/bench_search.py on 1,000,000
synthetic cases (two-core machine, the 56 queries of tests/search/test_relevance.py, the /search/
page's work per query). pg_trgm cannot use its index for a two-character term — the commonest
Chinese query (绿色, 建行, 重庆) has no trigram — so those queries read every row of the kind;
a bigram is one GIN posting list. Figures (scripts/bench_search.py, 1,000,098 cases + 20,157
products, 56 queries × 3 runs of the /search/ page, PostgreSQL 15 shared with other work):

    index                                      p50       p95      slowest
    bigram tsvector + GIN (this)             38 ms     83 ms     green bill 112 ms
    pg_trgm GIN, LIKE '%term%'               39 ms   1834 ms     湖南 民宿, 农行, 重庆, 交行 ~1.8 s

Getting there took, in order: a tsvector per tier (planner statistics), Latin words as whole
tokens (bigrams such as "an" are in nearly every row), reading at most CANDIDATE_CAP matches
before walking newest first, JIT off (it compiled for 70 ms), and CLUSTER by recency (`optimise`).

SQLite: an FTS5 virtual table whose columns hold the same tokens separated by spaces (the default
unicode61 tokenizer then sees exactly our bigrams); a phrase is a quoted FTS5 string, a tier a
column filter. Its rowid encodes (kind, object id), so a record is replaced by rowid.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from catalogue.fulltext.text import Query, normalise, tokens

TABLE = "catalogue_search_entry"
KINDS = ("product", "case", "policy", "institution")
# The field that orders equally relevant results, newest first.
DATE_FIELD = {"product": "modified", "case": "date", "policy": "issued_date", "institution": "modified"}
KIND_CODE = {k: i + 1 for i, k in enumerate(KINDS)}

# Field sets a query can be matched in, one per ranking tier.
NAME, HEAD, ALL = "name", "head", "all"
TIERS = ((NAME, None), (HEAD, NAME), (ALL, HEAD))  # (matched in, but not in)

# The newest-first walk of one tier (ranking.py calls it inside its statement).
NEWEST_FUNCTION = "search_newest"

MAX_POSITION = 16383  # PostgreSQL's limit for a tsvector position
MAX_POSITIONS_PER_LEXEME = 255


@dataclass
class Entry:
    """What the index stores for one record; each field is a list of values (names, places…)."""

    kind: str
    object_id: int
    sort_key: object  # date or datetime (newer first), or None
    name: list[str]
    tags: list[str]
    body: list[str]


def _field_tokens(values: Iterable[str]) -> list[str]:
    """Tokens of each value in turn (no bigram spans two values)."""
    out: list[str] = []
    for v in values:
        if v:
            out.extend(tokens(v))
    return out


def _text(values: Iterable[str]) -> str:
    return normalise(" · ".join(v for v in values if v))


class Backend:
    vendor = ""
    # Whether ranking.py ranks in one statement on this database (else query.py reads kind by
    # kind, tier by tier).
    one_statement = False

    def create_schema(self, cursor) -> None:
        raise NotImplementedError

    def drop_schema(self, cursor) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")

    def replace(self, cursor, kind: str, ids: Sequence[int], entries: Sequence[Entry]) -> None:
        """Remove the rows of `ids` and write `entries` (a subset of them: the ones that exist)."""
        raise NotImplementedError

    def clear(self, cursor, kind: str | None = None) -> None:
        if kind:
            cursor.execute(f"DELETE FROM {TABLE} WHERE kind = %s", [kind])
        else:
            cursor.execute(f"DELETE FROM {TABLE}")

    def optimise(self, cursor) -> None:
        """After a full rebuild: lay the index out for reading."""

    def match_sql(self, kind: str, query: Query, fields: str = ALL, exclude: str | None = None):
        """SQL selecting the object ids of `kind` whose `fields` contain every term of `query`
        (and, with `exclude`, whose `exclude` fields do not)."""
        raise NotImplementedError

    def candidates_sql(self, kind: str, query: Query, cap: int):
        """(id, sort key, in name, in name or tags) of at most `cap` matching records, in no order,
        from the index alone: a GIN lookup that stops at `cap` rows (or a scan that does, for a
        common term). The caller's queryset is applied to these ids afterwards, by primary key."""
        raise NotImplementedError

    # How the candidate reads return the sort key: only compared (newest first), never shown.
    SORT_KEY = "sort_key"

    def among_sql(self, within: tuple, ids: list[int]):
        """Which of `ids` the compiled `within` (a SELECT of ids named "pk") selects."""
        marks = ", ".join(["%s"] * len(ids))
        return f'SELECT "pk" FROM ({within[0]}) AS within WHERE "pk" IN ({marks})', [*within[1], *ids]

    def tier_candidates_sql(self, kind, query, fields, exclude, cap: int):
        """(id, sort key) of at most `cap` records of one tier, in no order."""
        sql, params = self.match_sql(kind, query, fields, exclude)
        sql = sql.replace("SELECT object_id FROM", f"SELECT object_id, {self.SORT_KEY} FROM", 1)
        return f"{sql} LIMIT %s", [*params, cap]

    def newest_sql(self, kind, query, fields, exclude, within: tuple, limit: int):
        """Ids of one tier, newest first, for a tier with many matches (see `walk`)."""
        sql, params = self.match_sql(kind, query, fields, exclude)
        return (
            f"{sql} AND object_id IN ({within[0]}) ORDER BY sort_key DESC NULLS LAST, object_id DESC LIMIT %s",
            [*params, *within[1], limit],
        )

    @contextmanager
    def walk(self, cursor):
        """Around `newest_sql` when a tier is known to have many matches (PostgreSQL walks inside
        NEWEST_FUNCTION instead, under its own planner settings)."""
        yield


class PostgresBackend(Backend):
    vendor = "postgresql"
    one_statement = True
    COLUMN = {NAME: "name_doc", HEAD: "head_doc", ALL: "document"}
    # Seconds as a float8 (exact to the microsecond for centuries either side of now) sort as
    # the timestamps do, and psycopg reads them without building an aware datetime each: a
    # candidate read of 500 rows took 4.1 ms instead of 2.5 (the search page makes up to four).
    SORT_KEY = "EXTRACT(EPOCH FROM sort_key)::float8"

    def among_sql(self, within, ids):
        # One array parameter: 500 ids as an IN list cost more to compile and send than the
        # index lookups they ask for (the search page checks four such lists).
        return f'SELECT "pk" FROM ({within[0]}) AS within WHERE "pk" = ANY(%s)', [*within[1], list(ids)]

    def create_schema(self, cursor) -> None:
        cursor.execute(
            f"""
            CREATE TABLE IF NOT EXISTS {TABLE} (
                kind varchar(16) NOT NULL,
                object_id bigint NOT NULL,
                sort_key timestamptz NULL,
                name text NOT NULL DEFAULT '',
                tags text NOT NULL DEFAULT '',
                body text NOT NULL DEFAULT '',
                name_doc tsvector NOT NULL,
                head_doc tsvector NOT NULL,
                document tsvector NOT NULL,
                PRIMARY KEY (kind, object_id)
            )"""
        )
        # A GIN index per kind and tier: a common term (绿色) matches a large share of a million
        # cases, and a product search must not wade through their postings.
        for kind in KINDS:
            for column in self.COLUMN.values():
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {TABLE}_{kind}_{column} ON {TABLE} "
                    f"USING gin ({column}) WHERE kind = '{kind}'"
                )
        # Newest first within a kind: for a common term the planner walks this index and stops
        # after a page of matches instead of sorting every match.
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {TABLE}_recent ON {TABLE} "
            "(kind, sort_key DESC NULLS LAST, object_id DESC)"
        )
        self.create_functions(cursor)

    # The walk: one tier's matches newest first, by walking the (kind, sort_key) index until a page
    # is full. A tier known to hold more than a candidate cap of matches fills a page within a few
    # thousand entries. The planner can't know that for a prefix or a phrase (it guesses their
    # frequency), and its other plans — every match from GIN or from a scan, or a hash join with the
    # caller's queryset, then a sort — cost in proportion to the matches. EXPLAIN ANALYZE on
    # 1,000,000 cases, 绿色 in descriptions only (tier 2), walked:
    #     Limit (actual time=0.199..1.441 rows=10)
    #       -> Nested Loop
    #         -> Index Scan using catalogue_search_entry_recent  (kind = 'case')
    #              Filter: document @@ '绿色' AND NOT head_doc @@ '绿色'; Rows Removed: 168
    #         -> Index Scan using products_case_pkey  (status = 'published')
    #     Execution Time: 1.454 ms
    # while a tier read from GIN stops at the cap (张家界 in tags):
    #     Limit (rows=2001) -> Bitmap Heap Scan on catalogue_search_entry
    #         -> Bitmap Index Scan on catalogue_search_entry_case_head_doc (rows=6932)
    #     Execution Time: 15.6 ms
    # The walk also starts no parallel workers (it reads a few thousand index entries at most:
    # starting workers costs more, tens of ms on two cores) and no JIT (the disabled plan types add
    # 1e10 to every alternative's cost, which would make PostgreSQL spend ~70 ms compiling a query
    # that runs in 2 ms). Only the walk may have these settings, so they are the function's SET
    # clauses: in force while it plans and runs its query, put back on return. The walk can then sit
    # inside the statement that ranks, instead of between two set_config statements (it was three
    # statements a walk). Without them, the same walk written `(… @@ …) IS TRUE` was still planned
    # as a parallel scan and sort of every entry of the kind at 100,000 cases (75 ms).
    # p_within is the caller's queryset, a SELECT of ids with its values quoted in by psycopg.
    NEWEST_SQL = f"""
        CREATE OR REPLACE FUNCTION {NEWEST_FUNCTION}(
            p_kind text, p_column text, p_exclude text, p_query tsquery, p_within text, p_limit integer
        ) RETURNS TABLE (object_id bigint, sort_key timestamptz)
        LANGUAGE plpgsql STABLE
        SET max_parallel_workers_per_gather = 0 SET jit = off SET enable_bitmapscan = off
        SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off SET enable_sort = off
        AS $$
        BEGIN
            RETURN QUERY EXECUTE format(
                'SELECT e.object_id, e.sort_key FROM {TABLE} e '
                'WHERE e.kind = $1 AND e.%I @@ $2 %s AND e.object_id IN (%s) '
                'ORDER BY e.sort_key DESC NULLS LAST, e.object_id DESC LIMIT $3',
                p_column,
                CASE WHEN p_exclude IS NULL THEN '' ELSE format('AND NOT e.%I @@ $2', p_exclude) END,
                p_within
            ) USING p_kind, p_query, p_limit;
        END
        $$"""

    def create_functions(self, cursor) -> None:
        # No parameters: the % of format() are not placeholders.
        cursor.execute(self.NEWEST_SQL)

    def drop_schema(self, cursor) -> None:
        super().drop_schema(cursor)
        cursor.execute(f"DROP FUNCTION IF EXISTS {NEWEST_FUNCTION}(text, text, text, tsquery, text, integer)")

    def optimise(self, cursor) -> None:
        # Rows in newest-first order: walking the (kind, sort_key) index then reads consecutive
        # pages instead of one random page per entry (measured: 40 ms → 2 ms for a 2,000-entry
        # walk). New rows arrive roughly in date order anyway; a rebuild restores the order.
        cursor.execute(f"CLUSTER {TABLE} USING {TABLE}_recent")
        cursor.execute(f"ANALYZE {TABLE}")

    @staticmethod
    def tsvectors(entry: Entry) -> tuple[str, str, str]:
        """tsvector literals for the three tiers: positions count on across fields."""
        positions: dict[str, list[str]] = {}
        pos = 0
        literals = []
        for weight, values in (("A", entry.name), ("B", entry.tags), ("C", entry.body)):
            for tok in _field_tokens(values):
                pos += 1
                if pos > MAX_POSITION:
                    break
                p = positions.setdefault(tok, [])
                if len(p) < MAX_POSITIONS_PER_LEXEME:
                    p.append(f"{pos}{weight}")
            literals.append(" ".join(f"'{t}':{','.join(p)}" for t, p in positions.items()))
        return literals[0], literals[1], literals[2]

    @classmethod
    def row(cls, e: Entry) -> tuple:
        return (
            e.kind,
            e.object_id,
            e.sort_key,
            _text(e.name),
            _text(e.tags),
            _text(e.body),
            *cls.tsvectors(e),
        )

    COPY_COLUMNS = "kind, object_id, sort_key, name, tags, body, name_doc, head_doc, document"

    def replace(self, cursor, kind, ids, entries) -> None:
        if ids:
            cursor.execute(f"DELETE FROM {TABLE} WHERE kind = %s AND object_id = ANY(%s)", [kind, list(ids)])
        if entries:
            cursor.executemany(
                f"INSERT INTO {TABLE} ({self.COPY_COLUMNS}) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s::tsvector, %s::tsvector, %s::tsvector)",
                [self.row(e) for e in entries],
            )

    def clear(self, cursor, kind=None) -> None:
        if kind:
            cursor.execute(f"DELETE FROM {TABLE} WHERE kind = %s", [kind])
        else:
            cursor.execute(f"TRUNCATE {TABLE}")

    @staticmethod
    def tsquery(query: Query) -> str:
        parts = []
        for term in query.terms:
            toks, prefix = Query.term_tokens(term)
            lexemes = [f"'{t}'" for t in toks]
            if prefix:
                lexemes[-1] += ":*"
            parts.append("(" + " <-> ".join(lexemes) + ")")
        return " & ".join(parts)

    def candidates_sql(self, kind, query, cap):
        q = self.tsquery(query)
        return (
            f"SELECT object_id, {self.SORT_KEY}, name_doc @@ %s::tsquery, head_doc @@ %s::tsquery FROM {TABLE} "
            "WHERE kind = %s AND document @@ %s::tsquery LIMIT %s",
            [q, q, kind, q, cap],
        )

    def match_sql(self, kind, query, fields=ALL, exclude=None):
        q = self.tsquery(query)
        sql = f"SELECT object_id FROM {TABLE} WHERE kind = %s AND {self.COLUMN[fields]} @@ %s::tsquery"
        params = [kind, q]
        if exclude:
            sql += f" AND NOT {self.COLUMN[exclude]} @@ %s::tsquery"
            params.append(q)
        return sql, params


class SqliteBackend(Backend):
    vendor = "sqlite"
    COLUMNS = {NAME: "{name}", HEAD: "{name tags}", ALL: "{name tags body}"}

    def create_schema(self, cursor) -> None:
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
            "kind UNINDEXED, object_id UNINDEXED, sort_key UNINDEXED, name, tags, body, "
            "tokenize = 'unicode61 remove_diacritics 0')"
        )

    def optimise(self, cursor) -> None:
        cursor.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')")

    @staticmethod
    def rowid(kind: str, object_id: int) -> int:
        return object_id * 8 + KIND_CODE[kind]

    def replace(self, cursor, kind, ids, entries) -> None:
        ids = list(ids)
        for i in range(0, len(ids), 500):
            chunk = [self.rowid(kind, x) for x in ids[i : i + 500]]
            cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({','.join('%s' for _ in chunk)})", chunk)
        if entries:
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, kind, object_id, sort_key, name, tags, body) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        self.rowid(e.kind, e.object_id),
                        e.kind,
                        e.object_id,
                        e.sort_key.isoformat() if e.sort_key else None,
                        " ".join(_field_tokens(e.name)),
                        " ".join(_field_tokens(e.tags)),
                        " ".join(_field_tokens(e.body)),
                    )
                    for e in entries
                ],
            )

    @classmethod
    def fts_query(cls, query: Query, fields: str = ALL, exclude: str | None = None) -> str:
        parts = []
        for term in query.terms:
            toks, prefix = Query.term_tokens(term)
            parts.append('"' + " ".join(toks) + '"' + ("*" if prefix else ""))
        terms = "(" + " AND ".join(parts) + ")"
        expr = f"{cls.COLUMNS[fields]} : {terms}"
        if exclude:
            expr = f"({expr}) NOT ({cls.COLUMNS[exclude]} : {terms})"
        return expr

    def candidates_sql(self, kind, query, cap):
        # Which tier a row falls in is asked of FTS5 by rowid: the name and name+tags matches.
        name = f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s"
        return (
            f"SELECT object_id, sort_key, rowid IN ({name}), rowid IN ({name}) FROM {TABLE} "
            f"WHERE {TABLE} MATCH %s AND kind = %s LIMIT %s",
            [self.fts_query(query, NAME), self.fts_query(query, HEAD), self.fts_query(query, ALL), kind, cap],
        )

    def match_sql(self, kind, query, fields=ALL, exclude=None):
        return (
            f"SELECT object_id FROM {TABLE} WHERE {TABLE} MATCH %s AND kind = %s",
            [self.fts_query(query, fields, exclude), kind],
        )


def backend_for(connection) -> Backend:
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SqliteBackend()
    raise NotImplementedError(f"search index not available on {connection.vendor}")
