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

INDUSTRIES = [
    "生物科技",
    "新能源",
    "光伏",
    "制造",
    "农业",
    "物流",
    "外贸",
    "医药",
    "软件",
    "数据",
    "纺织",
    "食品",
    "汽车零部件",
    "环保",
    "文旅",
    "民宿",
    "养殖",
    "茶叶",
    "电子",
    "化工",
    "建材",
    "餐饮",
    "钢铁",
    "养老服务",
]
PURPOSES = [
    "流动资金",
    "设备更新",
    "技术改造",
    "绿色低碳转型",
    "跨境结算",
    "票据贴现",
    "供应链融资",
    "研发投入",
    "数据资产质押",
    "知识产权质押",
    "订单融资",
    "出口信用",
    "厂房建设",
    "碳减排",
]
NAME_CHARS = "融信易快惠企农商科创链税金银通宝盈安鑫诚兴泰丰华瑞福源达新智云数乐享助微优"
SUFFIXES = ["贷", "通", "宝", "融", "e贷", "快贷", "云贷", "保"]


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalogue.settings.test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _create_database(url: str, keep: bool) -> bool:
    """Create the dedicated database; True when an existing one is kept."""
    import psycopg
    from dj_database_url import parse

    cfg = parse(url)
    name = cfg["NAME"]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and keep:
            return True
        if exists:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return False


def _sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def build(n_cases: int) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from loader.fixtures import load_catalogue

    t0 = time.monotonic()
    call_command("migrate", verbosity=0)
    load_catalogue(settings.FIXTURES_DIR)
    n_products = max(n_cases // 50, 100)
    names = _sql_array([a + b for a in NAME_CHARS for b in NAME_CHARS if a != b])
    industries, purposes, suffixes = _sql_array(INDUSTRIES), _sql_array(PURPOSES), _sql_array(SUFFIXES)
    with connection.cursor() as c:
        c.execute("SET synchronous_commit = off")
        c.execute(
            f"""
            INSERT INTO products_product (key, status, created, modified, name, name_is_descriptive,
                institution_id, category_id, target_clients, collateral, description)
            SELECT 'bench-p' || g, 'published', now(), now() - (g || ' seconds')::interval,
                   n.names[1 + (g * 7919) %% array_length(n.names, 1)]
                     || n.suffixes[1 + (g * 31) %% array_length(n.suffixes, 1)],
                   false,
                   i.ids[1 + floor(random() * array_length(i.ids, 1))::int],
                   k.ids[1 + floor(random() * array_length(k.ids, 1))::int],
                   n.industries[1 + floor(random() * array_length(n.industries, 1))::int] || '企业',
                   '',
                   '面向' || n.industries[1 + floor(random() * array_length(n.industries, 1))::int]
                     || '企业的' || n.purposes[1 + floor(random() * array_length(n.purposes, 1))::int]
                     || '产品,线上申请,随借随还。'
            FROM generate_series(1, %s) g,
                 (SELECT {names} AS names, {suffixes} AS suffixes, {industries} AS industries,
                         {purposes} AS purposes) n,
                 (SELECT array_agg(id) AS ids FROM institutions_institution) i,
                 (SELECT array_agg(id) AS ids FROM products_category) k
            """,
            [n_products],
        )
        print(f"  {n_products} synthetic products", flush=True)
        c.execute(
            f"""
            WITH real AS (SELECT array_agg(product_id) AS products, array_agg(summary) AS summaries
                          FROM products_case),
                 synth AS (SELECT array_agg(id) AS ids FROM products_product WHERE key LIKE 'bench-%%'),
                 inst AS (SELECT array_agg(id) AS ids FROM institutions_institution),
                 city AS (SELECT array_agg(code) AS codes FROM institutions_region WHERE level = 'city'),
                 words AS (SELECT {industries} AS industries, {purposes} AS purposes)
            INSERT INTO products_case (key, status, created, modified, product_id, institution_id, date,
                amount, currency, term_months, client, province_id, city_id, district_id, milestone, summary)
            SELECT 'bench-c' || g,
                   CASE WHEN g %% 50 = 0 THEN 'withdrawn' WHEN g %% 97 = 0 THEN 'draft' ELSE 'published' END,
                   now(), now(),
                   CASE WHEN g %% 5 = 0 THEN real.products[1 + g %% array_length(real.products, 1)]
                        ELSE synth.ids[1 + floor(random() * array_length(synth.ids, 1))::int] END,
                   inst.ids[1 + floor(random() * array_length(inst.ids, 1))::int],
                   DATE '2015-01-01' + floor(random() * 3650)::int,
                   round((random() * 5000)::numeric, 0) * 10000, 'CNY', NULL,
                   '某' || words.industries[1 + g %% array_length(words.industries, 1)] || '企业',
                   left(cc.code, 2) || '0000', cc.code, NULL, '',
                   CASE WHEN g %% 5 = 0 THEN real.summaries[1 + g %% array_length(real.summaries, 1)]
                        ELSE '为某' || words.industries[1 + floor(random() * array_length(words.industries, 1))::int]
                             || '企业发放' || words.purposes[1 + floor(random() * array_length(words.purposes, 1))::int]
                             || '贷款,期限' || (1 + g %% 36) || '个月。' END
            FROM generate_series(1, %s) g
            CROSS JOIN real CROSS JOIN synth CROSS JOIN inst CROSS JOIN words
            CROSS JOIN LATERAL (SELECT city.codes[1 + floor(random() * array_length(city.codes, 1))::int] AS code
                                FROM city WHERE g > 0) cc
            """,
            [n_cases],
        )
        print(f"  {n_cases} synthetic cases in {time.monotonic() - t0:.0f}s", flush=True)
    _index_all()
    print(f"built in {time.monotonic() - t0:.0f}s", flush=True)


def _index_all() -> None:
    """Index rows for everything, by the production document builder, written with COPY."""
    from django.db import connection

    from search import documents
    from search.backends import KINDS, TABLE, PostgresBackend

    t0 = time.monotonic()
    with connection.cursor() as c:
        c.execute(f"DROP TABLE IF EXISTS {TABLE}")
        PostgresBackend().create_schema(c)
        c.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname <> %s",
            [TABLE, f"{TABLE}_pkey"],
        )
        index_defs = []
        for (name,) in c.fetchall():
            c.execute("SELECT pg_get_indexdef(%s::regclass)", [name])
            index_defs.append(c.fetchone()[0])
            c.execute(f"DROP INDEX {name}")
    vocab = documents.Vocabulary()
    for kind in KINDS:
        model = documents.MODELS[kind]
        ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
        with connection.cursor() as c:
            raw = c.cursor
            for i in range(0, len(ids), 5000):
                entries = documents.build(kind, ids[i : i + 5000], vocab)
                with raw.copy(f"COPY {TABLE} ({PostgresBackend.COPY_COLUMNS}) FROM STDIN") as copy:
                    for e in entries:
                        copy.write_row(PostgresBackend.row(e))
                if i and i % 100000 == 0:
                    print(f"  indexed {i} {kind}s ({time.monotonic() - t0:.0f}s)", flush=True)
    t1 = time.monotonic()
    with connection.cursor() as c:
        c.execute("SET maintenance_work_mem = '1GB'")
        for d in index_defs:
            c.execute(d)
        PostgresBackend().optimise(c)  # as rebuild_search_index does
        c.execute(f"VACUUM ANALYZE {TABLE}")
        c.execute("VACUUM ANALYZE products_case")
        c.execute("VACUUM ANALYZE products_product")
    print(f"  index rows in {t1 - t0:.0f}s, indexes in {time.monotonic() - t1:.0f}s", flush=True)


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

    from search import presentation
    from search import query as search
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

    import search.query as search_pkg
    from search import backends

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
    parser.add_argument("--cap", type=int, help="override search.query.CANDIDATE_CAP")
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
        import search.query

        search.query.CANDIDATE_CAP = args.cap
    measure(args.repeat, args.variant or ["bigram"])


if __name__ == "__main__":
    main()
