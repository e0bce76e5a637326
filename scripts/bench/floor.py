"""The floor of a request: the SQL our endpoint runs, timed by PostgreSQL itself.

Run as a subprocess of run.py (its own Django, DATABASE_URL = the benchmark database):

    python scripts/bench/floor.py < urls.json > floors.json

For each URL it makes the request once in-process (warm), captures the statements of a second
request (Django's CaptureQueriesContext, which records them whatever DEBUG says), then runs
EXPLAIN (ANALYZE, FORMAT JSON) on each statement `repeat` times and keeps the median of the summed
planning + execution time: what the database needs, with no Python, network or serialisation.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def floor(urls: dict[str, str], repeat: int = 5) -> dict[str, dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_ACCEPT="application/json")
    out: dict[str, dict] = {}
    for label, url in urls.items():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            status = client.get(url).status_code
        statements = [q["sql"] for q in ctx.captured_queries]
        totals = []
        slowest: tuple[float, str] = (0.0, "")
        for _ in range(repeat):
            total = 0.0
            with connection.cursor() as cur:
                for sql in statements:
                    if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                        cur.execute(sql)  # SET and the like: applied, not timed
                        continue
                    cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                    plan = cur.fetchone()[0]
                    plan = json.loads(plan) if isinstance(plan, str) else plan
                    ms = plan[0]["Planning Time"] + plan[0]["Execution Time"]
                    total += ms
                    if ms > slowest[0]:
                        slowest = (ms, sql)
            totals.append(total)
        out[label] = {
            "status": status,
            "statements": len(statements),
            "ms": statistics.median(totals),
            "slowest_ms": slowest[0],
            "slowest_sql": slowest[1][:2000],
        }
    return out


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    urls = json.load(sys.stdin)
    json.dump(floor(urls, int(os.environ.get("BENCH_FLOOR_REPEAT", "5"))), sys.stdout)


if __name__ == "__main__":
    main()
