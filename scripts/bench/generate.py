"""The synthetic catalogue every benchmark runs on: the real curated catalogue, then synthetic
products (one per 50 cases, names made from the characters product names use) and N synthetic
cases — a fifth of them of the real products, the rest of synthetic ones — at random
institutions, cities and dates, with summaries taken from the real ones or from a template; 2%
withdrawn and 1% draft so the published filter has work to do. Rows are written by SQL inside
PostgreSQL; index rows by the production code (documents.py, backends.py) written with COPY, the
GIN indexes built after the load, as a restore would.

Used by scripts/bench/run.py (`make bench`) and scripts/bench_search.py. Needs Django set up on
a dedicated PostgreSQL database.
"""

from __future__ import annotations

import os
import time

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
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
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
    with connection.cursor() as c:
        c.execute("SET synchronous_commit = off")
        _insert_products(c, n_products)
        print(f"  {n_products} synthetic products", flush=True)
        _insert_cases(c, n_cases)
        print(f"  {n_cases} synthetic cases in {time.monotonic() - t0:.0f}s", flush=True)
    _index_all()
    print(f"built in {time.monotonic() - t0:.0f}s", flush=True)


def _insert_products(c, n_products: int) -> None:
    """Products named from the word lists, spread over the real institutions and categories."""
    from catalogue.pinyin import pinyin_key

    names = _sql_array([a + b for a in NAME_CHARS for b in NAME_CHARS if a != b])
    industries, purposes, suffixes = _sql_array(INDUSTRIES), _sql_array(PURPOSES), _sql_array(SUFFIXES)
    c.execute(
        f"""
        INSERT INTO products_product (key, status, created, modified, name, name_is_descriptive,
            institution_id, category_id, target_clients, collateral, description, name_sort)
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
                 || '产品,线上申请,随借随还。',
               ''
        FROM generate_series(1, %s) g,
             (SELECT {names} AS names, {suffixes} AS suffixes, {industries} AS industries,
                     {purposes} AS purposes) n,
             (SELECT array_agg(id) AS ids FROM institutions_institution) i,
             (SELECT array_agg(id) AS ids FROM products_category) k
        """,
        [n_products],
    )
    # The pinyin sort key the models keep on save (catalogue/pinyin.py), one UPDATE per name.
    c.execute("SELECT DISTINCT name FROM products_product WHERE key LIKE 'bench-p%%' AND name_sort = ''")
    c.executemany(
        "UPDATE products_product SET name_sort = %s WHERE key LIKE 'bench-p%%' AND name = %s",
        [(pinyin_key(name), name) for (name,) in c.fetchall()],
    )


def _insert_cases(c, n_cases: int) -> None:
    """Cases: one in five copies a real case's product and summary, the rest are synthetic."""
    industries, purposes = _sql_array(INDUSTRIES), _sql_array(PURPOSES)
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


def _index_all() -> None:
    """Index rows for everything, by the production document builder, written with COPY."""
    from django.db import connection

    from catalogue.fulltext.backends import KINDS, TABLE, PostgresBackend
    from search import documents

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
