"""Measure pages and API lists on a large synthetic catalogue (default: a million cases).

    DATABASE_URL=postgres://…/catalogue_bench python scripts/benchmark.py [--cases 1000000] [--repeat 20]

It migrates the database named by DATABASE_URL, loads the real catalogue, adds synthetic
published cases (spread over the real products, institutions and cities, with dates and amounts)
with COPY, then times each request in-process (Django test client: server time, no network) and
prints a Markdown table of p50/p95 in milliseconds and the number of SQL queries. The database is
dedicated to the benchmark: it refuses to add rows to one that holds cases it did not make unless
--reuse is given (which times again without adding more).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "benchmark-only")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from institutions.models import Institution, Region  # noqa: E402
from loader.fixtures import load_catalogue  # noqa: E402
from products.models import Case, Product  # noqa: E402

REQUESTS = [
    ("home page", "/"),
    ("case list, page 1", "/cases/"),
    (
        "case list, province + category + date",
        "/cases/?province=330000&category=credit&date_after=2024-01-01",
    ),
    ("case list, 100 per page, by amount", "/cases/?page_size=100&ordering=-amount"),
    ("product list", "/products/"),
    ("product list, province + theme", "/products/?province=370000&theme=green-finance"),
    ("product page", "/products/{product}/"),
    ("institution page (head office)", "/institutions/{head_office}/"),
    ("API cases, 50", "/api/v1/cases/"),
    ("API cases, 500, filtered", "/api/v1/cases/?page_size=500&province=330000&date_after=2024-01-01"),
    ("API products, 200", "/api/v1/products/?page_size=200"),
    ("API search q=绿色", "/api/v1/cases/?q=绿色"),
    ("search page q=建行", "/search/?q=建行"),
]


def add_synthetic_cases(n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    products = list(Product.objects.published().values_list("id", "institution_id"))
    branches = list(Institution.objects.filter(kind="branch").values_list("id", flat=True))
    cities = list(Region.objects.filter(level="city").values_list("code", "parent_id"))
    currencies = ["CNY"] * 18 + ["USD", "HKD"]
    start = date(2015, 1, 1)
    cols = [
        "key",
        "status",
        "created",
        "modified",
        "product_id",
        "institution_id",
        "date",
        "amount",
        "currency",
        "client",
        "province_id",
        "city_id",
        "milestone",
        "summary",
    ]
    now = time.strftime("%Y-%m-%d %H:%M:%S+00")
    batch = 100_000
    with connection.cursor() as cur:
        for offset in range(0, n, batch):
            buf = io.StringIO()
            for i in range(offset, min(n, offset + batch)):
                pid, inst = rng.choice(products)
                city, province = rng.choice(cities)
                d = start + timedelta(days=rng.randrange(3650))
                amount = rng.choice([r"\N", str(rng.randrange(10, 50_000) * 10_000)])
                row = [
                    f"bench-{i}",
                    "published",
                    now,
                    now,
                    str(pid),
                    str(inst or rng.choice(branches)),
                    d.isoformat(),
                    amount,
                    rng.choice(currencies) if amount != r"\N" else "",
                    "某小微企业",
                    province,
                    city,
                    "",
                    "",
                ]
                buf.write("\t".join(row) + "\n")
            buf.seek(0)
            with cur.copy(f"COPY products_case ({', '.join(cols)}) FROM STDIN") as copy:
                copy.write(buf.read())
            print(f"  {min(n, offset + batch):,} cases", file=sys.stderr)
        cur.execute("ANALYZE")


def time_requests(repeat: int) -> list[tuple[str, float, float, float, int]]:
    client = Client()
    product = Product.objects.published().filter(name="数易贷").first() or Product.objects.published().first()
    head_office = Institution.objects.get(name="兴业银行")
    rows = []
    for label, template in REQUESTS:
        url = template.format(product=product.pk, head_office=head_office.pk)
        cache.clear()
        t0 = time.perf_counter()
        client.get(url)  # cold: nothing cached for this state yet
        cold = (time.perf_counter() - t0) * 1000
        times = []
        with CaptureQueriesContext(connection) as ctx:
            status = client.get(url).status_code
        queries = len(ctx.captured_queries)
        for _ in range(repeat):
            reset_queries()
            t0 = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        rows.append((f"{label} ({status})", cold, statistics.median(times), p95, queries))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="time an already-filled benchmark database")
    parser.add_argument("--reindex", action="store_true", help="with --reuse: rebuild the search index first")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at a dedicated PostgreSQL database: the benchmark is for PostgreSQL.")
    call_command("migrate", verbosity=0)
    load_catalogue(settings.FIXTURES_DIR)
    existing = Case.objects.filter(key__startswith="bench-").count()
    if not args.reuse:
        if existing:
            sys.exit(f"{existing:,} synthetic cases already there: use --reuse, or a fresh database.")
        t0 = time.perf_counter()
        add_synthetic_cases(args.cases)
        print(f"added {args.cases:,} cases in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if not args.reuse or args.reindex:
        # COPY bypasses the receivers that keep the search index current.
        t0 = time.perf_counter()
        call_command("rebuild_search_index", verbosity=0)
        print(f"search index rebuilt in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    total = Case.objects.count()
    print(
        f"\n{total:,} cases, {Product.objects.count():,} products; {args.repeat} timed requests each; "
        f"PostgreSQL {connection.pg_version // 10000}, {os.cpu_count()} cores\n"
    )
    print("| request | first (cold) ms | p50 ms | p95 ms | SQL queries |\n|---|---:|---:|---:|---:|")
    for label, cold, p50, p95, queries in time_requests(args.repeat):
        print(f"| {label} | {cold:.0f} | {p50:.0f} | {p95:.0f} | {queries} |")


if __name__ == "__main__":
    main()
