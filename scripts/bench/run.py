"""`make bench`: our API and Datasette on the same synthetic catalogue, measured side by side.

    DATABASE_URL=postgres://user@127.0.0.1:5432/anything BENCH_CASES=1000000 make bench

1. Generates BENCH_CASES synthetic cases (scripts/bench/generate.py) into a dedicated database on
   the server of DATABASE_URL, named catalogue_bench_<N>; an existing complete one is reused.
2. Exports the same published rows to SQLite for Datasette (export.py).
3. Starts both servers on loopback: ours as production serves it (gunicorn, 2 workers of 4 threads,
   DEBUG off, the anonymous throttle lifted so it does not refuse the load generator), Datasette
   in immutable mode with facet suggestions off and its SQL time limit raised so it counts in full.
4. Single client, BENCH_ROUNDS (30) interleaved rounds (ours, Datasette, ours, …) per query, in two
   columns. "Repeated": the same URL every round — what a cache in front of repeated queries
   serves (ours answers these from its whole-response cache). "Varied": each round asks an
   equivalent but new URL — page_size 51, 52, … (a different case for q6), the same variation sent
   to Datasette — so our response cache always misses; the per-filter count cache stays warm,
   as in steady state (page_size does not change the count). An HTML page (q7, the search page)
   is one URL: its "varied" is asked of the second server below, whose response and search-result
   caches are off (its facet counts stay cached per filter state, like the API's counts).
   Then the same rounds with BENCH_LATENCY_CLIENTS (4) clients at once, samples pooled: the
   latency a partner sees while others sync too.
5. Throughput at 1, 4 and 16 clients for a q1–q3 mix and a q4–q6 mix, BENCH_SECONDS per level;
   ours twice: as above (response cache on) and a second gunicorn with API_RESPONSE_CACHE_SECONDS=0
   on the same URLs (every request a miss).
6. The floor: EXPLAIN ANALYZE of the statements our endpoint runs (floor.py, a subprocess).
7. Memory: RSS of each gunicorn worker (and Datasette's) after the load, then an export of every
   published case as CSV streamed from each, with the peak RSS of the serving process.
Both modes: as it is (response cache on), and with API_RESPONSE_CACHE_SECONDS=0 in the
environment, which reaches both our servers, so every API request misses the response cache (the
counts stay kept per filter state and catalogue version, as the pages' are: catalogue/listing.py).
Prints a Markdown report (the README takes its table verbatim). Row totals of both sides are
compared for every query and a mismatch is printed loudly. Nothing is asserted: CI prints ratios.

Why this setup is the fair one: both serve the same rows from one machine, each with the indexes
its user would make; Datasette gets the same bigram tokens, so `_search` finds what `q` finds.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
VENV_BIN = Path(sys.executable).parent

CASES = int(os.environ.get("BENCH_CASES", "1000000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = [int(c) for c in os.environ.get("BENCH_CLIENTS", "1,4,16").split(",")]
LATENCY_CLIENTS = [int(c) for c in os.environ.get("BENCH_LATENCY_CLIENTS", "4").split(",") if c]
OUR_PORT = int(os.environ.get("BENCH_OUR_PORT", "8201"))
DS_PORT = int(os.environ.get("BENCH_DATASETTE_PORT", "8202"))
NOCACHE_PORT = int(os.environ.get("BENCH_NOCACHE_PORT", "8203"))
WORKDIR = Path(os.environ.get("BENCH_DIR", ROOT / ".bench"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "")
# For short runs while working on a few queries: BENCH_ONLY keeps the queries whose label starts
# with one of its comma-separated prefixes ("q1,q6,product"); BENCH_QUICK=1 skips the throughput
# mixes, /api/v1/match/, the memory export and the crowd rounds (the latency table and floor stay).
ONLY = [p.strip() for p in os.environ.get("BENCH_ONLY", "").split(",") if p.strip()]
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
CURSOR_PAGES = 20


# --- the queries ------------------------------------------------------------------------------


@dataclass
class Pair:
    """One question asked of both servers; `count` says how to read each side's total."""

    label: str
    ours: str
    theirs: str
    count: str = "list"  # list: ours `count` vs Datasette `filtered_table_rows_count`; walk; one; none
    mix: str = ""  # "a" (q1–q3) or "b" (q4–q6) for the throughput mixes

    def varied(self, side: str, n: int, cases: list[int]) -> str:
        """An equivalent question our response cache has not seen: the page size (rows and count
        are the same records) or, for a detail, another case; HTML pages are asked as they are."""
        path = self.ours if side == "ours" else self.theirs
        size = 20 + n % 481
        if self.count == "one":
            case = cases[n % len(cases)]
            return f"/api/v1/cases/{case}/" if side == "ours" else f"/bench/cases/{case}.json"
        if side == "ours" and "page_size=50" in path:
            return path.replace("page_size=50", f"page_size={size}")
        if side == "theirs" and path.startswith("/bench/") and "_size=" in path and self.count != "none":
            return path.replace("_size=50", f"_size={size}")
        return path


def pairs(params: dict) -> list[Pair]:
    prov, cat = params["province"], params["category"]
    subtree = ",".join(params["subtree"])
    d0, d1 = "2020-01-01", "2022-12-31"
    q = "绿色"
    ds = "/bench"
    return [
        Pair(
            "q1 case list, newest, 50",
            "/api/v1/cases/?page_size=50",
            f"{ds}/cases.json?_size=50&_sort_desc=date",
            mix="a",
        ),
        Pair(
            "q2 province",
            f"/api/v1/cases/?province={prov}&page_size=50",
            f"{ds}/cases.json?_size=50&province_id={prov}&_sort_desc=date",
            mix="a",
        ),
        Pair(
            "q3 category + province + dates",
            f"/api/v1/cases/?category={cat}&province={prov}&date_after={d0}&date_before={d1}&page_size=50",
            f"{ds}/cases.json?_size=50&category_slug__in={urllib.parse.quote(subtree)}&province_id={prov}"
            f"&date__gte={d0}&date__lte={d1}&_sort_desc=date",
            mix="a",
        ),
        Pair(
            f"q4 `q={q}`",
            f"/api/v1/cases/?q={urllib.parse.quote(q)}&page_size=50",
            f"{ds}/cases.json?_size=50&_searchmode=raw&_search={urllib.parse.quote(chr(34) + q + chr(34))}",
            mix="b",
        ),
        Pair(
            f"q5 cursor, {CURSOR_PAGES} pages walked (total)",
            "/api/v1/cases/?pagination=cursor&page_size=50",
            f"{ds}/cases.json?_size=50",
            count="walk",
            mix="b",
        ),
        Pair(
            "q6 one case", f"/api/v1/cases/{params['case']}/", f"{ds}/cases/{params['case']}.json", "one", "b"
        ),
        Pair(
            "q7 province counts (our /cases/ page with facets)",
            "/cases/",
            f"{ds}/cases.json?_size=0&_facet=province_id",
            count="none",
        ),
        Pair("product list, 50", "/api/v1/products/?page_size=50", f"{ds}/products.json?_size=50&_sort=name"),
        Pair(
            f"search page `{q}` (Datasette: top 10 cases)",
            f"/search/?q={urllib.parse.quote(q)}",
            f"{ds}/cases.json?_size=10&_searchmode=raw&_search={urllib.parse.quote(chr(34) + q + chr(34))}",
            count="none",
        ),
    ]


# --- HTTP ------------------------------------------------------------------------------------


def get(port: int, path: str) -> tuple[int, bytes]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def local(url: str | None) -> str | None:
    """A `next` link as a path (both servers write absolute URLs)."""
    if not url:
        return None
    parts = urllib.parse.urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def ask(port: int, pair: Pair, side: str, path: str | None = None) -> tuple[float, object]:
    """Time one question; returns (ms, the total to compare)."""
    path = path or (pair.ours if side == "ours" else pair.theirs)
    t = time.perf_counter()
    if pair.count == "walk":
        rows = 0
        for _ in range(CURSOR_PAGES):
            status, body = get(port, path)
            data = json.loads(body)
            rows += len(data.get("results", data.get("rows", [])))
            path = local(data.get("next") if side == "ours" else data.get("next_url"))
            if not path:
                break
        return (time.perf_counter() - t) * 1000, rows
    status, body = get(port, path)
    ms = (time.perf_counter() - t) * 1000
    if status != 200:
        return ms, f"HTTP {status}"
    if pair.count == "none":
        return ms, None
    data = json.loads(body)
    if pair.count == "one":
        return ms, data.get("id") if side == "ours" else (data.get("rows") or [[None]])[0][0]
    return ms, data.get("count") if side == "ours" else data.get("filtered_table_rows_count")


def pct(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(p * (len(s) - 1))))]


@dataclass
class Timing:
    ours: list[float] = field(default_factory=list)
    theirs: list[float] = field(default_factory=list)
    ours_varied: list[float] = field(default_factory=list)
    theirs_varied: list[float] = field(default_factory=list)
    totals: tuple = (None, None)
    varied_totals: tuple = (None, None)


def latency(plist: list[Pair], cases: list[int], clients: int = 1) -> dict[str, Timing]:
    """Interleaved: per round and query, ours and Datasette on the repeated URL, then on a new
    equivalent one (page sizes 51, 52, …: none asked before, so our response cache misses).
    With `clients` > 1, that many clients run the rounds at once (each its own share of the
    rounds, all samples pooled), so each side is timed while serving the others' requests."""
    out = {p.label: Timing() for p in plist}
    for p in plist:  # warm both (database buffers, our count cache: steady state)
        ask(OUR_PORT, p, "ours")
        ask(NOCACHE_PORT, p, "ours")
        ask(DS_PORT, p, "theirs")
    if clients == 1:
        _rounds(plist, cases, out, range(ROUNDS))
        return out
    # Each client gets its own rounds (so its varied URLs are new to our cache as well).
    shares = [range(ROUNDS * i, ROUNDS * (i + 1)) for i in range(clients)]
    threads = [threading.Thread(target=_rounds, args=(plist, cases, out, share)) for share in shares]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return out


def _rounds(plist: list[Pair], cases: list[int], out: dict[str, Timing], rounds: range) -> None:
    for r in rounds:
        for p in plist:
            t = out[p.label]
            ms, ours_total = ask(OUR_PORT, p, "ours")
            t.ours.append(ms)
            ms, their_total = ask(DS_PORT, p, "theirs")
            t.theirs.append(ms)
            t.totals = (ours_total, their_total)
            n = 31 + r  # page_size 51, 52, …
            # An HTML page is one URL: its miss is asked of the server whose caches are off.
            port = NOCACHE_PORT if p.count == "none" else OUR_PORT
            ms, ours_total = ask(port, p, "ours", p.varied("ours", n, cases))
            t.ours_varied.append(ms)
            ms, their_total = ask(DS_PORT, p, "theirs", p.varied("theirs", n, cases))
            t.theirs_varied.append(ms)
            if p.count != "one":  # q6 asks a different case each round
                t.varied_totals = (ours_total, their_total)
    return out


def throughput(port: int, paths, clients: int, seconds: float) -> tuple[float, int]:
    """Requests per second with `clients` threads cycling through `paths` (a list, or a function
    of the request number); (rate, errors)."""
    done, errors = [0] * clients, [0] * clients
    deadline = time.monotonic() + seconds
    pick = paths if callable(paths) else (lambda n: paths[n % len(paths)])
    counter = iter(range(10**9))  # shared: each request gets its own number
    lock = threading.Lock()

    def worker(i: int) -> None:
        while time.monotonic() < deadline:
            with lock:
                n = next(counter)
            status, _ = get(port, pick(n))
            done[i] += 1
            errors[i] += status != 200

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    t = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return sum(done) / (time.monotonic() - t), sum(errors)


# --- servers ---------------------------------------------------------------------------------


def stream_export(port: int, path: str, pids: Callable[[], list[int]]) -> dict[str, float]:
    """Read a whole streamed export, sampling the serving processes' RSS as it runs: seconds,
    MB received, newlines, peak RSS (the largest process) and its status."""
    peak = [max((rss_mb(pid) for pid in pids()), default=0.0)]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            for pid in pids():
                with contextlib.suppress(OSError):  # a worker recycled meanwhile
                    peak[0] = max(peak[0], rss_mb(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    size = lines = 0
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1800) as r:
            status = r.status
            while chunk := r.read(1 << 20):
                size += len(chunk)
                lines += chunk.count(b"\n")
    except (urllib.error.URLError, OSError) as e:  # a server that cut the stream short
        status = getattr(e, "code", 0) or 0
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    return {"status": status, "seconds": seconds, "mb": size / 2**20, "lines": lines, "peak_rss": peak[0]}


def wait_for(port: int, path: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server on port {port} exited with {proc.returncode}")
        try:
            if get(port, path)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"server on port {port} did not answer within {timeout:.0f}s")


def server_env(db_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DATABASE_URL=db_url,
        DEBUG="0",
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY", "benchmark-only-not-a-secret"),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        LOG_LEVEL="WARNING",
        HTTPS="0",  # plain HTTP on loopback (production's HTTPS redirect would answer every request 301)
        # The anonymous throttle (120/min) would refuse the load generator; Datasette has none.
        API_RATE_ANON="100000000/min",
    )
    # The cache: BENCH_REDIS_URL, as production shares one Redis between its workers (emptied
    # when the benchmark starts, so nothing of an earlier run is a hit); without it one locmem
    # cache per process, where each worker's first request of a kind finds its caches cold.
    env.pop("REDIS_URL", None)
    if REDIS_URL:
        env["REDIS_URL"] = REDIS_URL
    return env


def start_ours(db_url: str, port: int = OUR_PORT, **env: str) -> subprocess.Popen:
    # Self-contained on purpose (not `make serve`): the benchmark pins what it measures.
    cmd = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi:application",
        "--workers=2",  # the setup; threads and the rest as production (gunicorn.conf.py)
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        # No recycling mid-measurement: a restarting worker would be timed, and the memory
        # figure must come from a worker that served the load.
        "--max-requests=0",
    ]
    return subprocess.Popen(cmd, cwd=ROOT, env={**server_env(db_url), **env}, start_new_session=True)


def start_datasette(sqlite_path: Path) -> subprocess.Popen:
    metadata = WORKDIR / "datasette.json"
    metadata.write_text(
        json.dumps(
            {"databases": {"bench": {"tables": {"cases": {"fts_table": "cases_fts", "fts_pk": "id"}}}}}
        )
    )
    cmd = [
        str(VENV_BIN / "datasette"),
        "serve",
        "-i",
        str(sqlite_path),
        "--host=127.0.0.1",
        f"--port={DS_PORT}",
        f"--metadata={metadata}",
        "--setting",
        "suggest_facets",
        "off",
        # Counts and facets in full (its default stops counting after 1 s and reports none).
        "--setting",
        "sql_time_limit_ms",
        "60000",
        "--setting",
        "facet_time_limit_ms",
        "60000",
        # Its CSV stream stops at 100 MB by default; the export comparison reads every row.
        "--setting",
        "max_csv_mb",
        "0",
    ]
    log = (WORKDIR / "datasette.log").open("ab")  # its access log would drown the report
    return subprocess.Popen(cmd, cwd=WORKDIR, stdout=log, stderr=log, start_new_session=True)


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # its own session: the master and its workers only
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


# --- setup -----------------------------------------------------------------------------------


def bench_url(base: str) -> str:
    return base.rsplit("/", 1)[0] + f"/catalogue_bench_{CASES}"


def prepare(db_url: str) -> dict:
    """The database (generated unless a complete one exists) and the query parameters."""
    from bench import generate

    kept = generate._create_database(db_url, keep=True)
    generate._setup_django(db_url)
    from django.db import connection

    def synthetic() -> int:
        with connection.cursor() as c:
            c.execute("SELECT to_regclass('products_case') IS NOT NULL")
            if not c.fetchone()[0]:
                return -1
            c.execute("SELECT count(*) FROM products_case WHERE key LIKE 'bench-c%%'")
            return c.fetchone()[0]

    if kept and synthetic() != CASES:
        print(f"{db_url} is incomplete: building it again", flush=True)
        connection.close()
        generate._create_database(db_url, keep=False)
        kept = False
    if not kept:
        print(f"generating {CASES:,} cases into {db_url}", flush=True)
        generate.build(CASES)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # a kept database may predate the current migrations
    # As `make serve` does: with DEBUG off pages name hashed static files from the manifest,
    # which only a production-settings collectstatic writes.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=server_env(db_url),
        check=True,
    )
    with connection.cursor() as c:
        c.execute("ANALYZE")
    return query_params()


def case_pool(n: int = 600) -> list[int]:
    """Published case ids spread over the table: q6 asks a different one each time (varied)."""
    from products.models import Case

    ids = list(Case.objects.published().order_by("pk").values_list("pk", flat=True))
    step = max(1, len(ids) // n)
    return ids[::step][:n]


def query_params() -> dict:
    from products.models import Case, Category

    # The top-level category with the most cases below it, and the middle case by id.
    tops = Category.objects.filter(parent=None).order_by("position", "slug")
    best = max(tops, key=lambda c: Category.objects.subtree(c).count())
    subtree = list(Category.objects.subtree(best).values_list("slug", flat=True))
    ids = Case.objects.published().order_by("pk").values_list("pk", flat=True)
    n = ids.count()
    return {
        "province": "330000",
        "category": best.slug,
        "subtree": sorted(subtree),
        "case": ids[n // 2],
        "cases": n,
        "case_pool": case_pool(),
    }


def machine(db_url: str) -> str:
    import datasette
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SHOW server_version")
        pg = c.fetchone()[0]
    mem = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line
    )
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem / 1024 / 1024:.0f} GB, PostgreSQL {pg}, "
        f"Python {platform.python_version()}, Datasette {datasette.__version__}, "
        f"commit {commit.stdout.strip()}{' + uncommitted changes' if dirty.stdout.strip() else ''}"
    )


# --- report ----------------------------------------------------------------------------------


def fmt(ms: float | None) -> str:
    if ms is None:
        return ""
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:.1f}"


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a and b else ""


def setup(db_url: str) -> tuple[dict, Path, dict[str, int], list[Pair], str]:
    """The generated rows, their SQLite export, the queries asked and the machine's header."""
    WORKDIR.mkdir(parents=True, exist_ok=True)
    params = prepare(db_url)
    from django.db import connection

    # Datasette names a database after its file: /bench/cases.json.
    (WORKDIR / str(CASES)).mkdir(exist_ok=True)
    sqlite_path = WORKDIR / str(CASES) / "bench.db"
    exported = export_once(db_url, sqlite_path)
    plist = [p for p in pairs(params) if not ONLY or p.label.startswith(tuple(ONLY))]
    header = machine(db_url)
    connection.close()
    return params, sqlite_path, exported, plist, header


def main() -> None:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server where this user may create databases.")
    db_url = os.environ.get("BENCH_DATABASE_URL") or bench_url(base)
    params, sqlite_path, exported, plist, header = setup(db_url)
    if REDIS_URL:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    ours = theirs = nocache = None
    try:
        ours, theirs = start_ours(db_url), start_datasette(sqlite_path)
        # The same server with the whole-response cache off, for throughput on misses (it idles
        # while the others are measured).
        nocache = start_ours(db_url, NOCACHE_PORT, API_RESPONSE_CACHE_SECONDS="0")
        wait_for(OUR_PORT, "/api/v1/themes/", ours)
        wait_for(NOCACHE_PORT, "/api/v1/themes/", nocache)
        wait_for(DS_PORT, "/bench.json", theirs)
        print(f"measuring {len(plist)} queries × {ROUNDS} rounds", flush=True)
        timings = latency(plist, params["case_pool"])
        # The same rounds with several clients at once (BENCH_LATENCY_CLIENTS, default 4).
        crowd = {c: latency(plist, params["case_pool"], c) for c in LATENCY_CLIENTS if c > 1}
        if QUICK:
            workers = [rss_mb(pid) for pid in children(ours.pid)]
            print(f"gunicorn workers RSS MB: {', '.join(f'{w:.0f}' for w in workers)}", flush=True)
            return quick_report(plist, timings, crowd, db_url, params)
        mixes = throughput_mixes(plist)
        from bench import match as match_bench  # /api/v1/match/ on the same server (match.py)

        matched = match_bench.report(match_bench.measure(OUR_PORT))
        workers = [rss_mb(pid) for pid in children(ours.pid)]
        ds_rss = rss_mb(theirs.pid)
        # Every published case as CSV, streamed (the "< 200 MB" target), from the server
        # with the response cache off, and Datasette's full CSV stream of the same table.
        print("exporting every case as CSV from both", flush=True)
        exports = {
            "ours": stream_export(NOCACHE_PORT, "/api/v1/cases/?format=csv", lambda: children(nocache.pid)),
            "theirs": stream_export(DS_PORT, "/bench/cases.csv?_stream=on&_size=max", lambda: [theirs.pid]),
        }
    finally:
        stop(ours)
        stop(nocache)
        stop(theirs)

    floors = run_floor(
        db_url, {p.label: p.varied("ours", 29, params["case_pool"]) for p in plist if p.count != "walk"}
    )
    report(header, params, exported, plist, timings, mixes, floors, workers, ds_rss, exports)
    report_crowd(plist, crowd)
    print(matched)


def quick_report(plist: list[Pair], timings: dict, crowd: dict, db_url: str, params: dict) -> None:
    """BENCH_QUICK: the latency rows, the floor (measured while the idle servers still run) and
    the crowd table only."""
    floors = run_floor(
        db_url, {p.label: p.varied("ours", 29, params["case_pool"]) for p in plist if p.count != "walk"}
    )
    rows, ratios, mismatches = _latency_rows(plist, timings, floors)
    print(
        "| query | ours repeated | ours varied | Datasette repeated | Datasette varied "
        "| ours ÷ Datasette (repeated / varied, p50) | floor | ours varied ÷ floor | rows |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---|"
    )
    print("\n".join(rows))
    if mismatches:
        print("TOTALS DISAGREE:", mismatches)
    report_crowd(plist, crowd)


def throughput_mixes(plist: list[Pair]) -> dict[tuple[str, str, int], tuple]:
    """Requests per second of both servers on each mix, ours cached and uncached, per client count."""
    # A cursor page deep in the walk, for the mix (a sync client asks for those).
    cursor_paths = {"ours": plist[4].ours, "theirs": plist[4].theirs}
    for side, port, key in (("ours", OUR_PORT, "next"), ("theirs", DS_PORT, "next_url")):
        for _ in range(3):
            cursor_paths[side] = (
                local(json.loads(get(port, cursor_paths[side])[1]).get(key)) or cursor_paths[side]
            )
    mixes = {}
    for mix, name in (("a", "q1–q3"), ("b", "q4–q6")):
        members = [p for p in plist if p.mix == mix]
        paths = {
            side: [cursor_paths[side] if p.count == "walk" else getattr(p, side) for p in members]
            for side in ("ours", "theirs")
        }
        for kind, port in (("cached", OUR_PORT), ("uncached", NOCACHE_PORT)):
            for clients in CLIENTS:
                o = throughput(port, paths["ours"], clients, SECONDS)
                t = throughput(DS_PORT, paths["theirs"], clients, SECONDS)
                mixes[(name, kind, clients)] = (o, t)
                print(
                    f"  {name} {kind} at {clients} clients: ours {o[0]:.1f}/s, Datasette {t[0]:.1f}/s",
                    flush=True,
                )
    return mixes


def export_once(db_url: str, sqlite_path: Path) -> dict[str, int]:
    """Export, unless the SQLite file was made from exactly these rows (same stamp)."""
    from django.db import connection

    from bench.export import export

    with connection.cursor() as c:
        c.execute("SELECT count(*), max(modified), max(id) FROM products_case")
        n, last, top = c.fetchone()
        c.execute("SELECT count(*), max(modified) FROM products_product")
        stamp = json.dumps([n, str(last), top, *map(str, c.fetchone())])
    stamp_file = sqlite_path.with_suffix(".stamp")
    counts_file = sqlite_path.with_suffix(".counts.json")
    if sqlite_path.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
        return json.loads(counts_file.read_text())
    counts = export(db_url, sqlite_path)
    counts_file.write_text(json.dumps(counts))
    stamp_file.write_text(stamp)
    return counts


def run_floor(db_url: str, urls: dict[str, str]) -> dict:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("floor.py"))],
        input=json.dumps(urls),
        capture_output=True,
        text=True,
        # The SQL of a miss: whole responses uncached (the count stays cached, as in steady state).
        env={**server_env(db_url), "API_RESPONSE_CACHE_SECONDS": "0"},
        cwd=ROOT,
        check=False,
    )
    if proc.returncode:
        print(proc.stderr, file=sys.stderr)
        return {}
    return json.loads(proc.stdout)


def _rows(p: Pair, totals: tuple) -> tuple[str, str | None]:
    a, b = totals
    if p.count == "none" and (a or b):  # an error status (an HTML page is not compared)
        return f"**{a or 'ok'} / {b or 'ok'}**", f"{p.label}: ours {a}, Datasette {b}"
    if p.count == "none":
        return ("not compared (HTML page)" if p.ours.startswith(("/cases", "/search")) else ""), None
    if a == b and a is not None:
        return (f"{a:,} = {b:,}" if isinstance(a, int) else f"{a} = {b}"), None
    return f"**MISMATCH {a} ≠ {b}**", f"{p.label}: ours {a}, Datasette {b}"


def _latency_rows(plist: list[Pair], timings: dict[str, Timing], floors: dict) -> tuple[list, dict, list]:
    """The single-client table's rows, the p50 ratios per column, and any totals that disagree."""
    lines: list[str] = []
    mismatches = []
    ratios: dict[str, list[float]] = {"repeated": [], "varied": []}
    for p in plist:
        t = timings[p.label]
        cols = {}
        for name, ours, theirs in (
            ("repeated", t.ours, t.theirs),
            ("varied", t.ours_varied, t.theirs_varied),
        ):
            o50, d50 = pct(ours, 0.5), pct(theirs, 0.5)
            cols[name] = (f"{fmt(o50)} / {fmt(pct(ours, 0.95))}", f"{fmt(d50)} / {fmt(pct(theirs, 0.95))}")
            ratios[name].append(o50 / d50)
        fl = floors.get(p.label, {}).get("ms")
        rows, bad = _rows(p, t.totals)
        if bad:
            mismatches.append(bad)
        if p.count != "one" and t.varied_totals != t.totals:
            _, bad = _rows(p, t.varied_totals)
            if bad:
                mismatches.append(bad + " (varied)")
        o_rep, d_rep = pct(t.ours, 0.5), pct(t.theirs, 0.5)
        o_var, d_var = pct(t.ours_varied, 0.5), pct(t.theirs_varied, 0.5)
        lines.append(
            f"| {p.label} | {cols['repeated'][0]} | {cols['varied'][0]} | {cols['repeated'][1]} | "
            f"{cols['varied'][1]} | {ratio(o_rep, d_rep)} / {ratio(o_var, d_var)} | {fmt(fl)} | "
            f"{ratio(o_var, fl)} | {rows} |"
        )
    return lines, ratios, mismatches


def _load_lines(mixes, floors, workers, ds_rss, exports) -> list[str]:
    """Throughput, memory, the CSV export and the floor detail."""
    lines: list[str] = []
    lines += [
        f"Throughput, requests per second ({SECONDS:.0f} s per level; the q4–q6 mix uses one cursor page). "
        "The mixes repeat their URLs, so ours is measured twice: **cached** (the server above) and "
        "**uncached** (a second gunicorn with API_RESPONSE_CACHE_SECONDS=0 on the same URLs: every request "
        "misses it; the per-filter count cache stays on). Datasette has no response cache.\n",
        "| mix | ours | clients | ours | Datasette | ours ÷ Datasette | errors (ours / Datasette) |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for (name, kind, clients), ((o, oe), (t, te)) in mixes.items():
        lines.append(f"| {name} | {kind} | {clients} | {o:.1f} | {t:.1f} | {ratio(o, t)} | {oe} / {te} |")
    lines.append(
        f"\nMemory after the load: gunicorn workers {', '.join(f'{w:.0f}' for w in workers)} MB RSS; "
        f"Datasette {ds_rss:.0f} MB.\n"
    )
    o, t = exports["ours"], exports["theirs"]
    lines.append(
        "Export of every published case as CSV, streamed (ours `?format=csv`, every column with "
        "sources; Datasette `?_stream=on`, its table's columns), peak RSS of the serving process:\n\n"
        "| | HTTP | seconds | MB | lines | peak RSS (MB) |\n|---|---|---:|---:|---:|---:|\n"
        f"| ours | {o['status']} | {o['seconds']:.1f} | {o['mb']:.1f} | {o['lines']:,} | {o['peak_rss']:.0f} |\n"
        f"| Datasette | {t['status']} | {t['seconds']:.1f} | {t['mb']:.1f} | {t['lines']:,} | {t['peak_rss']:.0f} |\n"
    )
    if floors:
        lines.append("Floor detail (statements per request; slowest statement):\n")
        for label, f in floors.items():
            lines.append(
                f"- {label}: HTTP {f['status']}, {f['statements']} statements, slowest {f['slowest_ms']:.1f} ms"
            )
    return lines


def report(header, params, exported, plist, timings, mixes, floors, workers, ds_rss, exports) -> None:
    lines = [
        f"\n### `make bench`: {params['cases']:,} published cases, {exported['products']:,} products\n",
        f"Machine: {header}.  ",
        f"One client, {ROUNDS} interleaved rounds (ours, Datasette, ours, …); milliseconds, p50 / p95. "
        "Ours: gunicorn, 2 workers of 4 threads, DEBUG off, caches in "
        + (
            "one Redis shared by the workers (BENCH_REDIS_URL, emptied at the start)"
            if REDIS_URL
            else "each process (locmem: no BENCH_REDIS_URL)"
        )
        + ". Datasette: immutable, facet suggestions off, FTS5 over "
        "our bigrams, category subtree as `category_slug__in` — the fair setup of issue 10. "
        "**Repeated**: the same URL every round (ours: answered from the whole-response cache, as a "
        "cache serves repeated queries). **Varied**: a new equivalent URL every round (page_size 51, "
        "52, …, the same for Datasette; another case for q6), so our response cache misses; the "
        "count cache, keyed by the filters, stays warm as in steady state. HTML pages (q7, search "
        "page) are one URL each: repeated is our server (the search page keeps its results per "
        "catalogue version), varied the second server with the response and search-result caches "
        "off (facet counts stay cached per filter state). Floor: EXPLAIN ANALYZE of the SQL a "
        "varied request runs.\n",
        "| query | ours repeated | ours varied | Datasette repeated | Datasette varied "
        "| ours ÷ Datasette (repeated / varied, p50) | floor | ours varied ÷ floor | rows (ours / Datasette) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    rows, ratios, mismatches = _latency_rows(plist, timings, floors)
    lines += rows
    lines.append(
        "\nMedian ours ÷ Datasette over the queries: "
        f"{statistics.median(ratios['repeated']):.2f} repeated, {statistics.median(ratios['varied']):.2f} varied.\n"
    )
    lines += _load_lines(mixes, floors, workers, ds_rss, exports)
    print("\n".join(lines))
    if mismatches:
        print("\n" + "!" * 72 + "\nTOTALS DISAGREE:\n  " + "\n  ".join(mismatches) + "\n" + "!" * 72)
    slow = {label: f["slowest_sql"] for label, f in floors.items() if f["slowest_ms"] > 20}
    if slow and os.environ.get("BENCH_SHOW_SQL"):
        for label, sql in slow.items():
            print(f"\n-- slowest statement of {label}:\n{sql}")


def report_crowd(plist: list[Pair], crowd: dict[int, dict[str, Timing]]) -> None:
    """Latency with several clients at once: p50 per query, both columns, and the ratios."""
    for clients, timings in crowd.items():
        lines = [
            f"\nLatency with {clients} clients at once ({ROUNDS} rounds each, samples pooled), p50 ms:\n",
            "| query | ours repeated | ours varied | Datasette repeated | Datasette varied "
            "| ours ÷ Datasette (repeated / varied) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        ratios: dict[str, list[float]] = {"repeated": [], "varied": []}
        for p in plist:
            t = timings[p.label]
            o_rep, d_rep = pct(t.ours, 0.5), pct(t.theirs, 0.5)
            o_var, d_var = pct(t.ours_varied, 0.5), pct(t.theirs_varied, 0.5)
            ratios["repeated"].append(o_rep / d_rep)
            ratios["varied"].append(o_var / d_var)
            lines.append(
                f"| {p.label} | {fmt(o_rep)} | {fmt(o_var)} | {fmt(d_rep)} | {fmt(d_var)} | "
                f"{ratio(o_rep, d_rep)} / {ratio(o_var, d_var)} |"
            )
        lines.append(
            f"\nWith {clients} clients, ours ÷ Datasette: median {statistics.median(ratios['repeated']):.2f} "
            f"repeated, {statistics.median(ratios['varied']):.2f} varied; worst {max(ratios['repeated']):.2f} "
            f"repeated, {max(ratios['varied']):.2f} varied."
        )
        print("\n".join(lines))


if __name__ == "__main__":
    main()
