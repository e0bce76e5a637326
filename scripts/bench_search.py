#!/usr/bin/env python
"""Search latency at scale: N synthetic cases on PostgreSQL, the relevance queries, p50 / p95.

    .venv/bin/python scripts/bench_search.py --cases 1000000 \\
        --database-url postgres://catalogue@127.0.0.1:55433/catalogue_b_bench

Builds (or with --keep reuses) a dedicated database: the real curated catalogue, then synthetic
products (one per 50 cases, names made from the characters product names use) and N synthetic
cases — a fifth of them of the real products, the rest of synthetic ones — at random
institutions, cities and dates, with summaries taken from the real ones or from a template. Index
rows are built by the production code (documents.py, backends.py) and written with COPY; the
GIN indexes are built after the load, as a restore would.

Then every query of tests/search/test_relevance.py runs `--repeat` times through what the
/search/ page does (search.results.search: four kinds, top ten and a capped count each) and
through the case API's first page (filter_queryset + first 50 + count), and the script prints
p50 / p95 / max. With `--variant trgm` it repeats the page measurement with pg_trgm (a GIN
trigram index on the same normalised text, terms matched with LIKE) for comparison.

Measured on the two-core development machine (PostgreSQL 15, shared with other work), 1,000,000
synthetic cases, --repeat 3 (168 page searches), building took ~8 min (index rows ~6 min):

    page /search/ (bigram tsvector)    p50 =   38 ms   p95 =   83 ms   max =  112 ms
    case API first page + count        p50 =  244 ms   p95 = 1793 ms   max = 2389 ms
    page /search/ (pg_trgm LIKE)       p50 =   39 ms   p95 = 1834 ms   max = 2286 ms

The API figure is the exact COUNT(*) and full ranking of every match that page-number pagination
asks for (a common term matches 100,000+ cases); the page reads at most a few thousand entries.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench.generate import _create_database, _index_all, _setup_django, build  # noqa: E402


def _queries() -> list[str]:
    from tests.search.test_relevance import RELEVANCE

    return [q for q, _ in RELEVANCE]


def _time(fn, queries: list[str], repeat: int) -> dict[str, float]:
    for q in queries:  # warm the caches once
        fn(q)
    samples, worst = [], {}
    for _ in range(repeat):
        for q in queries:
            t = time.perf_counter()
            fn(q)
            ms = (time.perf_counter() - t) * 1000
            samples.append(ms)
            worst[q] = max(worst.get(q, 0), ms)
    samples.sort()
    slowest = sorted(worst.items(), key=lambda kv: -kv[1])[:5]
    return {
        "n": len(samples),
        "p50": statistics.median(samples),
        "p95": samples[int(0.95 * (len(samples) - 1))],
        "max": samples[-1],
        "slowest": ", ".join(f"{q} {ms:.0f}" for q, ms in slowest),
    }


def _report(label: str, r: dict) -> None:
    print(f"{label:<34} n={r['n']:<5} p50={r['p50']:7.1f} ms  p95={r['p95']:7.1f} ms  max={r['max']:7.1f} ms")
    print(f"{'':<34} slowest: {r['slowest']}")


def measure(repeat: int, variants: list[str]) -> None:
    from django.db import connection

    from catalogue.fulltext import query as search
    from search import presentation
    from search.results import search as search_page

    queries = _queries()
    with connection.cursor() as c:
        c.execute("SELECT kind, count(*) FROM catalogue_search_entry GROUP BY kind ORDER BY kind")
        print("index rows:", dict(c.fetchall()))

    def page(q):
        return search_page(q)

    def case_api(q):
        qs = search.filter_queryset(presentation.public_queryset("case"), q)
        list(qs[:50])
        return qs.count()

    if "bigram" in variants:
        _report("page /search/ (bigram tsvector)", _time(page, queries, repeat))
        _report("case API first page + count", _time(case_api, queries, repeat))
    if "trgm" in variants:
        _use_trgm()
        _report("page /search/ (pg_trgm LIKE)", _time(page, queries, repeat))


def _use_trgm() -> None:
    """Swap in a pg_trgm backend: same table and normalised text, terms matched with LIKE."""
    from django.db import connection

    import catalogue.fulltext.query as search_pkg
    from catalogue.fulltext import backends

    columns = {
        backends.NAME: "name",
        backends.HEAD: "(name || ' ' || tags)",
        backends.ALL: "(name || ' ' || tags || ' ' || body)",
    }
    with connection.cursor() as c:
        c.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        c.execute("SET maintenance_work_mem = '1GB'")
        t = time.monotonic()
        for kind in backends.KINDS:
            for i, column in enumerate(columns.values()):
                c.execute(
                    f"CREATE INDEX IF NOT EXISTS bench_trgm_{kind}_{i} ON {backends.TABLE} "
                    f"USING gin ({column} gin_trgm_ops) WHERE kind = '{kind}'"
                )
        c.execute(f"ANALYZE {backends.TABLE}")
        print(f"  pg_trgm indexes built in {time.monotonic() - t:.0f}s", flush=True)

    class TrgmBackend(backends.PostgresBackend):
        one_statement = False  # ranking.py matches tsvectors; this variant's LIKEs go kind by kind

        def match_sql(self, kind, query, fields=backends.ALL, exclude=None):
            def likes(column):
                return " AND ".join(f"{column} LIKE %s" for _ in query.terms)

            patterns = [f"%{t}%" for t in query.terms]
            sql = f"SELECT object_id FROM {backends.TABLE} WHERE kind = %s AND {likes(columns[fields])}"
            params = [kind, *patterns]
            if exclude:
                sql += f" AND NOT ({likes(columns[exclude])})"
                params += patterns
            return sql, params

        def candidates_sql(self, kind, query, cap):
            def likes(column):
                return " AND ".join(f"{column} LIKE %s" for _ in query.terms)

            patterns = [f"%{t}%" for t in query.terms]
            return (
                f"SELECT object_id, sort_key, {likes(columns[backends.NAME])}, {likes(columns[backends.HEAD])} "
                f"FROM {backends.TABLE} WHERE kind = %s AND {likes(columns[backends.ALL])} LIMIT %s",
                [*patterns, *patterns, kind, *patterns, cap],
            )

    search_pkg.backend_for = lambda conn: TrgmBackend()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://catalogue@127.0.0.1:55433/catalogue_b_bench"
        ),
    )
    parser.add_argument("--keep", action="store_true", help="reuse the database if it exists")
    parser.add_argument("--reindex", action="store_true", help="with --keep: rebuild only the index")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--variant", action="append", choices=["bigram", "trgm"])
    parser.add_argument("--cap", type=int, help="override catalogue.fulltext.query.CANDIDATE_CAP")
    args = parser.parse_args()
    kept = _create_database(args.database_url, args.keep)
    _setup_django(args.database_url)
    if not kept:
        print(f"building {args.cases} cases into {args.database_url}", flush=True)
        build(args.cases)
    elif args.reindex:
        print("rebuilding the index rows", flush=True)
        _index_all()
    if args.cap:
        import catalogue.fulltext.query

        catalogue.fulltext.query.CANDIDATE_CAP = args.cap
    measure(args.repeat, args.variant or ["bigram"])


if __name__ == "__main__":
    main()
