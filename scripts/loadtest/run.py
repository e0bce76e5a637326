"""Concurrent load against a local catalogue: N clients for S seconds over a mix of pages and API
calls; prints p50/p95/p99 latency, throughput and responses by status. Loopback only, bounded in
time and in requests.

    .venv/bin/python scripts/loadtest/run.py --url http://127.0.0.1:8300 --clients 16 --seconds 180
    ... --json   (one JSON object instead of text, for scripts/ci_faults.sh)
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

# What a manager's browser asks for, and what a partner system or researcher asks for
# (scripts/cluster/run.py mixes these too).
PAGES = [
    "/",
    "/products/",
    "/cases/?province=430000",
    "/policies/?ordering=-date",
    "/institutions/",
    "/search/?q=%E7%BB%BF%E8%89%B2",
]
API = [
    "/api/v1/products/?page_size=20",
    "/api/v1/cases/?ordering=-date",
    "/api/v1/policies/",
    "/api/v1/themes/",
]
PATHS = [*PAGES, *API, "/healthz"]
MAX_REQUESTS = 2_000_000


def client(
    host: str,
    port: int,
    stop: float,
    out: list,
    statuses: Counter,
    lock: threading.Lock,
    n: int,
    paths: list[str] = PATHS,
) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    i = n
    while time.monotonic() < stop and len(out) < MAX_REQUESTS:
        path = paths[i % len(paths)]
        i += 1
        started = time.monotonic()
        try:
            conn.request("GET", path, headers={"X-Forwarded-For": f"10.0.0.{n}"})
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0  # connection error
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
        elapsed = time.monotonic() - started
        with lock:
            out.append((started, elapsed, status))
            statuses[status] += 1
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8300")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    parts = urlsplit(args.url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loopback only")
    seconds = min(args.seconds, 900)
    out: list = []
    statuses: Counter = Counter()
    lock = threading.Lock()
    begin = time.monotonic()
    stop = begin + seconds
    threads = [
        threading.Thread(target=client, args=(parts.hostname, parts.port or 80, stop, out, statuses, lock, n))
        for n in range(min(args.clients, 64))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - begin
    ok = sorted(e for _, e, s in out if 200 <= s < 400)
    q = statistics.quantiles(ok, n=100) if len(ok) > 1 else [0.0] * 99
    errors = sum(n for s, n in statuses.items() if s == 0 or s >= 500)
    report = {
        "requests": len(out),
        "seconds": round(took, 1),
        "throughput_rps": round(len(out) / took, 1),
        "p50_ms": round(q[49] * 1000, 1),
        "p95_ms": round(q[94] * 1000, 1),
        "p99_ms": round(q[98] * 1000, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": errors,
        "non_503_errors": errors - statuses.get(503, 0),
    }
    if args.json:
        print(json.dumps(report))
    else:
        for k, v in report.items():
            print(f"{k:>16}: {v}")


if __name__ == "__main__":
    main()
