"""`make bench`, the match section: /api/v1/match/ timed by HTTP on the bench catalogue.

A fixed, varied set of client profiles is sent to our server, BENCH_MATCH_ROUNDS rounds
(default BENCH_ROUNDS), and p50/p95 printed per kind and overall:

* **fields**: a profile given as parameters (place, size, industry, labels, collateral, amount,
  term, themes, a category), as the /match/ form sends it;
* **sentence**: the client in one sentence (`q`), read into the same fields plus a text need;
* **sentence + fields**: a sentence with a field overriding what was read.

Every round asks each profile once, the kinds interleaved. Each request is a new profile to the
server (round r adds r yuan to the amount, or names it in the sentence), so neither the 304 nor a
cached answer can serve it: the figures are cache misses. With BENCH_MATCH_REPEAT=1 (the default)
the first profile of each round is then asked again unchanged, reported as "repeated".

Run from scripts/bench/run.py on its server, or alone against a running one:

    BENCH_MATCH_PORT=8201 BENCH_MATCH_ROUNDS=20 python scripts/bench/match.py

or alone on a database (it starts gunicorn as run.py does, on BENCH_OUR_PORT):

    BENCH_DATABASE_URL=postgres://dev:dev@127.0.0.1:5432/catalogue_bench_1000000 python scripts/bench/match.py
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

ROUNDS = int(os.environ.get("BENCH_MATCH_ROUNDS", os.environ.get("BENCH_ROUNDS", "10")))
CLIENTS = int(os.environ.get("BENCH_MATCH_CLIENTS", "1"))
REPEAT = os.environ.get("BENCH_MATCH_REPEAT", "1") == "1"

# (kind, parameters). {n} in a sentence is the round's variation (an amount in 万元).
PROFILES: list[tuple[str, dict[str, str | list[str]]]] = [
    (
        "fields",
        {
            "province": "浙江省",
            "city": "杭州市",
            "industry": "I",
            "size": "small",
            "labels": ["tech-sme"],
            "collateral": ["data-assets"],
            "amount": "1000000",
            "term_months": "12",
            "themes": ["digital-finance", "tech-finance"],
        },
    ),
    (
        "fields",
        {
            "province": "贵州省",
            "city": "贵阳市",
            "industry": "D",
            "size": "small",
            "labels": ["green-enterprise"],
            "themes": ["green-finance"],
            "amount": "5000000",
        },
    ),
    (
        "fields",
        {
            "province": "湖南省",
            "city": "张家界市",
            "industry": "H",
            "size": "micro",
            "labels": ["sole-proprietor"],
            "collateral": ["pure-credit"],
            "amount": "500000",
            "term_months": "36",
            "themes": ["inclusive-finance"],
        },
    ),
    (
        "fields",
        {
            "province": "广东省",
            "industry": "C",
            "size": "medium",
            "collateral": ["receivables", "equipment"],
            "amount": "20000000",
            "term_months": "24",
        },
    ),
    (
        "fields",
        {
            "province": "山东省",
            "industry": "A",
            "labels": ["farmer", "rural-entity"],
            "collateral": ["land-forest-rights", "livestock"],
            "themes": ["inclusive-finance"],
            "amount": "300000",
        },
    ),
    ("fields", {"province": "江苏省", "category": "bills", "size": "small", "amount": "2000000"}),
    (
        "sentence",
        {"q": "杭州一家做工业软件的专精特新小企业，想用知识产权质押贷{n}万，一年期"},
    ),
    ("sentence", {"q": "深圳一家做大数据分析的科技型小企业，数据资产已经入表，想用数据资产融资{n}万"}),
    ("sentence", {"q": "厦门一家外贸公司，主要做出口，想申请出口退税融资，{n}万，半年"}),
    ("sentence", {"q": "四川一家养殖生猪的家庭农场，没有房产可押，想用活体抵押贷{n}万，两年"}),
    ("sentence", {"q": "上海一家光伏企业，有碳排放配额，想做碳排放权质押贷款{n}万用于节能改造"}),
    (
        "sentence + fields",
        {"q": "一家做仓储物流的小微企业，想用仓单质押借{n}万，三个月", "province": "天津市"},
    ),
    (
        "sentence + fields",
        {"q": "成都的民宿业主，想贷{n}万装修客房", "themes": ["inclusive-finance"], "term_months": "24"},
    ),
]


def path(params: dict[str, str | list[str]], n: int) -> str:
    """The request for round `n`: the sentence names n more 万元, a field profile n more yuan."""
    out: list[tuple[str, str]] = []
    for k, v in params.items():
        if k == "q":
            out.append((k, str(v).format(n=100 + n)))
        elif k == "amount":
            out.append((k, str(int(str(v)) + n)))
        else:
            out += [(k, x) for x in (v if isinstance(v, list) else [v])]
    return "/api/v1/match/?" + urllib.parse.urlencode(out)


def _get(port: int, url: str) -> tuple[int, bytes]:
    from bench.run import get

    return get(port, url)


def _time(port: int, url: str) -> float:
    t = time.perf_counter()
    status, body = _get(port, url)
    ms = (time.perf_counter() - t) * 1000
    if status != 200:
        raise SystemExit(f"match bench: HTTP {status} for {url}: {body[:300]!r}")
    if not json.loads(body)["results"]:
        raise SystemExit(f"match bench: no results for {url} (a profile the bench catalogue cannot rank)")
    return ms


def measure(port: int, rounds: int = ROUNDS, clients: int = CLIENTS) -> dict[str, list[float]]:
    """Milliseconds per kind over `rounds` rounds (each client its own rounds, so every request
    is new to the server), plus "repeated" when REPEAT."""
    samples: dict[str, list[float]] = {}
    lock = threading.Lock()
    # Warm-up outside the figures (a worker's first request loads vocabularies and regions).
    for _, params in PROFILES:
        _time(port, path(params, -1))

    def run(share: range) -> None:
        for r in share:
            for kind, params in PROFILES:
                ms = _time(port, path(params, r))
                with lock:
                    samples.setdefault(kind, []).append(ms)
            if REPEAT:
                ms = _time(port, path(PROFILES[0][1], r))
                with lock:
                    samples.setdefault("repeated", []).append(ms)

    threads = [
        threading.Thread(target=run, args=(range(rounds * i, rounds * (i + 1)),)) for i in range(clients)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return samples


def report(samples: dict[str, list[float]], rounds: int = ROUNDS, clients: int = CLIENTS) -> str:
    from bench.run import fmt, pct

    misses = [ms for kind, ms_list in samples.items() if kind != "repeated" for ms in ms_list]
    lines = [
        f"\n### `/api/v1/match/`: {len(PROFILES)} profiles × {rounds} rounds, {clients} client(s)\n",
        'Every request a profile new to the server (cache miss); "repeated" asks the first profile '
        "again unchanged. Milliseconds.\n",
        "| kind | requests | p50 | p95 | max |",
        "|---|---:|---:|---:|---:|",
    ]
    for kind, ms in [*samples.items(), ("all misses", misses)]:
        lines.append(f"| {kind} | {len(ms)} | {fmt(pct(ms, 0.5))} | {fmt(pct(ms, 0.95))} | {fmt(max(ms))} |")
    return "\n".join(lines)


def main() -> None:
    from bench import run

    port = os.environ.get("BENCH_MATCH_PORT")
    if port:
        print(report(measure(int(port))))
        return
    db_url = os.environ.get("BENCH_DATABASE_URL")
    if not db_url:
        sys.exit("Set BENCH_MATCH_PORT (a running server) or BENCH_DATABASE_URL (one is started).")
    server = run.start_ours(db_url)
    try:
        run.wait_for(run.OUR_PORT, "/api/v1/themes/", server)
        print(report(measure(run.OUR_PORT)))
    finally:
        run.stop(server)


if __name__ == "__main__":
    main()
