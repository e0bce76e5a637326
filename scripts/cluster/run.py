"""The cluster rehearsal (`make cluster`, docs/cluster.md): everything on loopback in a temporary
directory, stopped and removed on exit.

    PostgreSQL primary ─ streaming replica (pg_basebackup -R)      Redis (cache, sessions' cache, broker)
    HAProxy :25500 ─┬─ app server A (gunicorn, its own MEDIA_ROOT)  Celery worker (its own MEDIA_ROOT)
                    └─ app server B (gunicorn, its own MEDIA_ROOT)  Celery beat (exactly one)

It loads the catalogue, runs CLUSTER_SECONDS of load through HAProxy, uploads a report through app
server A and follows its import through app server B, kills app server A at 40 % of the run (every
process of it, as a lost host), stops the replica at 55 % and starts it again at 80 %, then prints
a summary. Exit status 1 if a request failed that was not in flight at the kill, if reads stopped
answering while the replica was down, or if the import was not seen through B.

    .venv/bin/python scripts/cluster/run.py                     # CLUSTER_SECONDS=60 by default
    CLUSTER_SECONDS=90 CLUSTER_MIX=api .venv/bin/python scripts/cluster/run.py --no-faults --json

The WSGI module and Celery app are read from CLUSTER_WSGI / CLUSTER_CELERY_APP (the Makefile sets
them), so a move of the project package changes one variable.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import http.cookiejar
import importlib.util
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))
BASE_PORT = int(os.environ.get("CLUSTER_BASE_PORT", "25500"))  # below the ephemeral range (32768+)
PORTS = {
    "haproxy": BASE_PORT,
    "primary": BASE_PORT + 1,
    "replica": BASE_PORT + 2,
    "redis": BASE_PORT + 3,
    "a": BASE_PORT + 10,
    "b": BASE_PORT + 11,
}
WSGI = os.environ.get("CLUSTER_WSGI", "config.wsgi")
CELERY_APP = os.environ.get("CLUSTER_CELERY_APP", "config")
SUPERUSER, PASSWORD = "cluster", "cluster-rehearsal-only-9f3c1"


def load_module():
    """scripts/loadtest/run.py, whose clients and paths the rehearsal's load uses."""
    spec = importlib.util.spec_from_file_location("loadtest", ROOT / "scripts" / "loadtest" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


LOADTEST = load_module()
# The load test's pages and API calls; the API mix adds a page of fifty institutions.
MIXES = {"pages": LOADTEST.PAGES, "api": [*LOADTEST.API, "/api/v1/institutions/?page_size=50"]}
MIXES["mixed"] = MIXES["pages"] + MIXES["api"]

PROCS: list[subprocess.Popen] = []
PG_DIRS: list[Path] = []


def log(message: str) -> None:
    print(f"[cluster {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------- processes


def as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: CI runs as root, a developer usually does not."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def start(name: str, cmd: list[str], env: dict[str, str], logdir: Path) -> subprocess.Popen:
    out = (logdir / f"{name}.log").open("wb")
    # A session of its own: killing the group takes the master and its workers, as a lost host.
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    proc.name = name  # type: ignore[attr-defined]
    PROCS.append(proc)
    return proc


def kill_group(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def pg_ctl(datadir: Path, action: str, port: int | None = None) -> None:
    cmd = [str(PGBIN / "pg_ctl"), "-D", str(datadir), "-w"]
    if action == "start":
        sockets = datadir.parent / "sockets"
        opts = f"-h 127.0.0.1 -p {port} -k {sockets} -c fsync=off -c full_page_writes=off -c hot_standby=on"
        cmd += ["-l", str(datadir / "server.log"), "-o", opts, "start"]
    else:
        cmd += ["-m", "fast", "stop"]
    subprocess.run(as_postgres(cmd), check=action == "start", stdout=subprocess.DEVNULL)


def cleanup() -> None:
    for proc in reversed(PROCS):
        kill_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + 8
    for proc in PROCS:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        kill_group(proc)
    for datadir in PG_DIRS:
        if (datadir / "postmaster.pid").exists():
            pg_ctl(datadir, "stop")


def wait_http(port: int, path: str = "/healthz", seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        time.sleep(0.3)
    raise SystemExit(f"nothing answered 200 on 127.0.0.1:{port}{path} within {seconds:.0f} s")


# ---------------------------------------------------------------- the cluster


def start_databases(tmp: Path) -> None:
    primary, replica = tmp / "pg-primary", tmp / "pg-replica"
    for datadir in (primary, replica, tmp / "sockets"):
        datadir.mkdir(mode=0o700)
        if os.geteuid() == 0:
            shutil.chown(datadir, "postgres")
    tmp.chmod(0o755)
    subprocess.run(
        as_postgres(
            [str(PGBIN / "initdb"), "-D", str(primary), "-U", "catalogue", "--auth=trust", "-E", "UTF8",
             "--locale=C.UTF-8"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    PG_DIRS.append(primary)
    pg_ctl(primary, "start", PORTS["primary"])
    subprocess.run(
        as_postgres([str(PGBIN / "createdb"), "-h", "127.0.0.1", "-p", str(PORTS["primary"]), "-U", "catalogue",
                     "catalogue"]),
        check=True,
    )  # fmt: skip
    # The replica: a base backup of the primary that follows its WAL (-R writes standby.signal and
    # primary_conninfo).
    subprocess.run(
        as_postgres(
            [str(PGBIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(PORTS["primary"]), "-U", "catalogue",
             "-D", str(replica), "-R", "-X", "stream", "-c", "fast"]
        ),
        check=True,
    )  # fmt: skip
    PG_DIRS.append(replica)
    pg_ctl(replica, "start", PORTS["replica"])


def app_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "CELERY_"))}
    redis = f"redis://127.0.0.1:{PORTS['redis']}"
    env.update(
        DEBUG="0",
        HTTPS="0",
        SECRET_KEY="cluster-rehearsal-only-not-a-secret-0123456789abcdef",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"postgres://catalogue@127.0.0.1:{PORTS['primary']}/catalogue",
        DATABASE_REPLICA_URLS=f"postgres://catalogue@127.0.0.1:{PORTS['replica']}/catalogue",
        REDIS_URL=f"{redis}/1",
        CELERY_BROKER_URL=f"{redis}/0",
        # One client address for the whole load (the balancer's): rate limits are not what is measured.
        PAGE_RATE="1000000/min",
        API_RATE_ANON="1000000/min",
        WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY", "2"),
        GUNICORN_THREADS=os.environ.get("GUNICORN_THREADS", "4"),
        LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def haproxy_config(tmp: Path) -> Path:
    path = tmp / "haproxy.cfg"
    path.write_text(
        f"""global
    maxconn 2000
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    # A connection refused or dropped by a dead server is tried again on the other one, for
    # requests that may be repeated (GET, HEAD); never a POST.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
frontend web
    bind 127.0.0.1:{PORTS["haproxy"]}
    default_backend app
backend app
    balance roundrobin
    http-request disable-l7-retry if !METH_GET
    option httpchk
    http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
    server a 127.0.0.1:{PORTS["a"]} check
    server b 127.0.0.1:{PORTS["b"]} check
"""
    )
    return path


def prepare_database(env: dict[str, str]) -> None:
    """Migrate and load the catalogue on the primary, collect static files meanwhile, add the curator."""
    py = sys.executable
    static = subprocess.Popen([py, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env)
    for args in (["migrate", "--noinput", "-v0"], ["load_catalogue"]):
        subprocess.run([py, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    if static.wait() != 0:
        raise SystemExit("collectstatic failed")
    subprocess.run(
        [
            py,
            "manage.py",
            "createsuperuser",
            "--noinput",
            "--username",
            SUPERUSER,
            "--email",
            "c@example.com",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def start_app_servers(tmp: Path, logdir: Path, env: dict[str, str]) -> dict[str, subprocess.Popen]:
    """Two gunicorn servers, a Celery worker and exactly one beat, each server with its own MEDIA_ROOT."""
    py = sys.executable
    for name in ("a", "b", "worker"):
        (tmp / f"media-{name}").mkdir()
    procs = {}
    for name in ("a", "b"):
        procs[name] = start(
            f"app-{name}",
            # Each its own control socket (gunicorn's default path is one per user).
            [py, "-m", "gunicorn", WSGI, "--bind", f"127.0.0.1:{PORTS[name]}",
             "--control-socket", str(tmp / f"gunicorn-{name}.ctl")],
            {**env, "MEDIA_ROOT": str(tmp / f"media-{name}")},
            logdir,
        )  # fmt: skip
    worker_env = {**env, "MEDIA_ROOT": str(tmp / "media-worker")}
    procs["worker"] = start(
        "worker",
        [py, "-m", "celery", "-A", CELERY_APP, "worker", "--concurrency=1", "--loglevel=WARNING",
         "--hostname", "worker@cluster"],
        worker_env,
        logdir,
    )  # fmt: skip
    procs["beat"] = start(
        "beat",
        [py, "-m", "celery", "-A", CELERY_APP, "beat", "--loglevel=WARNING", "-s", str(tmp / "beat-schedule")],
        worker_env,
        logdir,
    )  # fmt: skip
    return procs


def start_cluster(tmp: Path, logdir: Path) -> tuple[dict[str, subprocess.Popen], dict[str, str]]:
    log(f"PostgreSQL primary :{PORTS['primary']} and streaming replica :{PORTS['replica']}")
    start_databases(tmp)
    log(f"Redis :{PORTS['redis']}")
    env = app_env(tmp)
    redis = [
        "redis-server",
        "--port",
        str(PORTS["redis"]),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--dir",
        str(tmp),
    ]
    procs = {"redis": start("redis", redis, env, logdir)}
    log("migrate and load the catalogue (on the primary), collect static files meanwhile")
    prepare_database(env)
    log(f"app servers A :{PORTS['a']} and B :{PORTS['b']} ({WSGI}), a Celery worker and one beat")
    procs.update(start_app_servers(tmp, logdir, env))
    config = haproxy_config(tmp)
    subprocess.run(["haproxy", "-c", "-q", "-f", str(config)], check=True)
    procs["haproxy"] = start("haproxy", ["haproxy", "-db", "-f", str(config)], env, logdir)
    wait_http(PORTS["a"])
    wait_http(PORTS["b"])
    log(f"HAProxy :{PORTS['haproxy']}: waiting for both app servers to be ready (/readyz)")
    wait_http(PORTS["haproxy"], "/readyz", seconds=90)
    return procs, env


# ---------------------------------------------------------------- load, faults, the import


def transactions(url: str) -> int | None:
    """Transactions the server has run in the catalogue database (each autocommit query is one)."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=2, autocommit=True) as conn:
            row = conn.execute(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
            ).fetchone()
            return int(row[0])
    except psycopg.Error:
        return None


def readyz(port: int) -> dict:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/readyz")
        response = conn.getresponse()
        body = json.loads(response.read() or b"{}")
        body["http"] = response.status
        return body
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return {"http": 0, "error": str(exc)}


class LagWatch(threading.Thread):
    """Replica lag every half second: replay_lag as the primary sees it (pg_stat_replication) and
    what /readyz reports through the balancer."""

    def __init__(self, env: dict[str, str], stop: float) -> None:
        super().__init__(daemon=True)
        self.env, self.stop = env, stop
        # (when, seconds): the replica's lag as the primary sees it and as /readyz reports it.
        self.primary: list[tuple[float, float]] = []
        self.readyz: list[tuple[float, float]] = []
        self.states: list[tuple[float, str]] = []

    def run(self) -> None:
        import psycopg

        while time.monotonic() < self.stop:
            with (
                contextlib.suppress(psycopg.Error),
                psycopg.connect(self.env["DATABASE_URL"], connect_timeout=2, autocommit=True) as conn,
            ):
                row = conn.execute(
                    "SELECT COALESCE(MAX(EXTRACT(EPOCH FROM replay_lag)), 0) FROM pg_stat_replication"
                ).fetchone()
                self.primary.append((time.monotonic(), float(row[0])))
            body = readyz(PORTS["haproxy"])
            self.states.append((time.monotonic(), body.get("status", "no answer")))
            for replica in (body.get("replicas") or {}).values():
                if replica.get("lag_seconds") is not None:
                    self.readyz.append((time.monotonic(), float(replica["lag_seconds"])))
            time.sleep(0.5)


class Admin:
    """A curator's browser: logs in and uploads through one app server, reads through another (the
    session is in the shared database, so it is valid on both)."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def _csrf(self, url: str) -> str:
        html = self.opener.open(url, timeout=30).read().decode()
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def login(self, port: int) -> None:
        url = f"http://127.0.0.1:{port}/admin/login/?next=/admin/"
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": self._csrf(url),
                "username": SUPERUSER,
                "password": PASSWORD,
                "next": "/admin/",
            }
        ).encode()
        self.opener.open(urllib.request.Request(url, data=data, headers={"Referer": url}), timeout=30)

    def upload(self, port: int, path: Path) -> int:
        url = f"http://127.0.0.1:{port}/admin/loader/reportimport/add/"
        token = self._csrf(url)
        boundary = "----cluster-rehearsal-boundary"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="upload"; filename="{path.name}"\r\n'
                f"Content-Type: text/plain\r\n\r\n"
            ).encode()
            + path.read_bytes()
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(
            url,
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Referer": url},
        )
        final = self.opener.open(request, timeout=60).geturl()
        match = re.search(r"/reportimport/(\d+)/change/", final)
        if not match:
            raise RuntimeError(f"the upload did not land on an import's page: {final}")
        return int(match.group(1))

    def progress(self, port: int, import_id: int) -> dict:
        url = f"http://127.0.0.1:{port}/admin/loader/reportimport/{import_id}/progress/"
        return json.loads(self.opener.open(url, timeout=30).read())


def follow_import(result: dict, deadline: float) -> None:
    """Upload 003 through app server A; follow it to the end through app server B."""
    seeds = Path(os.environ.get("SEEDS_DIR", ROOT.parent / "shared" / "seeds"))
    report = next(iter(sorted(seeds.glob("003_*.txt"))), None)
    if report is None:
        result["import"] = {"error": f"no 003_*.txt in {seeds}"}
        return
    try:
        admin = Admin()
        admin.login(PORTS["a"])
        import_id = admin.upload(PORTS["a"], report)
        result["import"] = {"id": import_id, "uploaded_through": "A"}
        while time.monotonic() < deadline:
            progress = admin.progress(PORTS["b"], import_id)
            result["import"].update(status=progress.get("status"), seen_through="B")
            if progress.get("status") in {"done", "attention", "failed"}:
                result["import"]["progress"] = {k: progress.get(k) for k in ("done", "total", "failed")}
                return
            time.sleep(1)
    except Exception as exc:  # reported in the summary, and the exit status
        result.setdefault("import", {})["error"] = repr(exc)


def rss_mb(procs: dict[str, subprocess.Popen]) -> dict[str, list[float]]:
    """Resident memory of each gunicorn worker (the master's children) and of the Celery worker."""

    def rss(pid: int) -> float | None:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return None

    def children(pid: int) -> list[int]:
        with contextlib.suppress(OSError):
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        return []

    out = {}
    for name in ("a", "b", "worker"):
        proc = procs.get(name)
        if proc is None or proc.poll() is not None:
            continue
        pids = children(proc.pid) or [proc.pid]
        out[name] = [round(v, 1) for v in (rss(p) for p in pids) if v is not None]
    return out


def cpu_seconds(pid: int) -> float:
    """CPU time of a process, its reaped children and its live children (a gunicorn master and
    its workers, a postmaster and its backends)."""
    tick = os.sysconf("SC_CLK_TCK")

    def own(p: int, reaped: bool) -> float:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        ticks = int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if reaped else 0)
        return ticks / tick

    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        children = []
    return own(pid, True) + sum(own(c, False) for c in children)


def cpu_pids(procs: dict[str, subprocess.Popen]) -> dict[str, int]:
    pids = {name: procs[name].pid for name in ("a", "b", "worker", "redis", "haproxy") if name in procs}
    for name, datadir in zip(("primary", "replica"), PG_DIRS, strict=True):
        with contextlib.suppress(OSError, ValueError):
            pids[name] = int((datadir / "postmaster.pid").read_text().split()[0])
    return pids


def wait_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


def inject_faults(procs: dict, t0: float, seconds: float, result: dict, before: dict, urls: dict) -> tuple:
    """Kill app server A at 40 % of the run, stop the replica at 55 % and start it again at 80 %.
    Returns the memory sampled at 35 % and the moments of the events."""
    events: dict[str, float] = {}
    wait_until(t0 + seconds * 0.35)
    rss_during = rss_mb(procs)
    wait_until(t0 + seconds * 0.4)
    log("killing app server A (every process of it)")
    events["kill"] = time.monotonic()
    kill_group(procs["a"])
    wait_until(t0 + seconds * 0.55)
    result["transactions_before_replica_stop"] = _delta(before, urls)
    log("stopping the replica")
    events["replica_stop"] = time.monotonic()
    pg_ctl(PG_DIRS[1], "stop")
    time.sleep(2.5)
    result["readyz_replica_down"] = readyz(PORTS["haproxy"])
    wait_until(t0 + seconds * 0.8)
    log("starting the replica again")
    events["replica_start"] = time.monotonic()
    pg_ctl(PG_DIRS[1], "start", PORTS["replica"])
    return rss_during, events


def load_clients(mix: str, clients: int, stop: float, out: list) -> list[threading.Thread]:
    """The load clients (scripts/loadtest) aimed at HAProxy, not started yet."""
    statuses: Counter = Counter()
    lock = threading.Lock()
    return [
        threading.Thread(
            target=LOADTEST.client,
            args=("127.0.0.1", PORTS["haproxy"], stop, out, statuses, lock, n, MIXES[mix]),
            daemon=True,
        )
        for n in range(clients)
    ]


def run(seconds: float, clients: int, mix: str, faults: bool, tmp: Path, logdir: Path) -> dict:
    procs, env = start_cluster(tmp, logdir)
    out: list[tuple[float, float, int]] = []
    t0 = time.monotonic()
    stop = t0 + seconds
    threads = load_clients(mix, clients, stop, out)
    lag = LagWatch(env, stop)
    result: dict = {"seconds": seconds, "clients": clients, "mix": mix, "wsgi": WSGI}
    log(f"load: {clients} clients for {seconds:.0f} s through HAProxy ({mix} mix)")
    for thread in threads:
        thread.start()
    lag.start()
    importer = (
        threading.Thread(target=follow_import, args=(result, stop + 60), daemon=True) if faults else None
    )
    pids = cpu_pids(procs)
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    urls = {"primary": env["DATABASE_URL"], "replica": env["DATABASE_REPLICA_URLS"]}
    before = {name: transactions(url) for name, url in urls.items()}
    if importer:
        time.sleep(min(2.0, seconds * 0.05))
        importer.start()
    events: dict[str, float] = {}
    if faults:
        rss_during, events = inject_faults(procs, t0, seconds, result, before, urls)
    else:
        wait_until(t0 + seconds * 0.5)
        rss_during = rss_mb(procs)
    for thread in threads:
        thread.join()
    if not faults:
        result["transactions_before_replica_stop"] = _delta(before, urls)
        # CPU seconds each part used under the load: with the request count, what a core serves.
        result["cpu_seconds"] = {
            name: round(cpu_seconds(pid) - cpu_before[name], 1) for name, pid in pids.items()
        }
    lag.join(timeout=5)
    if importer:
        importer.join(timeout=90)
    result["rss_mb"] = rss_during
    result["readyz_end"] = readyz(PORTS["haproxy"])
    summarise(result, out, t0, seconds, events, lag)
    return result


def _delta(before: dict, urls: dict) -> dict:
    """Transactions each server ran since `before`: where the reads went."""
    now = {name: transactions(url) for name, url in urls.items()}
    return {
        name: (now[name] - before[name]) if None not in (now[name], before[name]) else None for name in urls
    }


CATCH_UP_SECONDS = 15.0


def _max_lag(samples: list[tuple[float, float]], down: tuple, catching_up: bool = False) -> float | None:
    """The largest lag sampled while the replica streamed normally, or (catching_up) in the
    CATCH_UP_SECONDS after it was started again, when it replays what it missed."""
    start = down[1]

    def after_restart(t: float) -> bool:
        return start is not None and start <= t < start + CATCH_UP_SECONDS

    chosen = [v for t, v in samples if after_restart(t) == catching_up]
    return round(max(chosen), 3) if chosen else None


def _failed(status: int) -> bool:
    return status == 0 or status >= 500


def _latencies(out: list, seconds: float) -> dict:
    latencies = sorted(r[1] for r in out)
    return {
        "requests": len(out),
        "req_per_s": round(len(out) / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1) if latencies else None,
        "statuses": {str(k): v for k, v in sorted(Counter(r[2] for r in out).items())},
    }


def _failures(out: list, events: dict) -> dict:
    """Failures, told apart: in flight when A was killed, while the replica was down, otherwise."""
    kill = events.get("kill")

    def at_kill(r: tuple[float, float, int]) -> bool:
        return kill is not None and r[0] <= kill <= r[0] + r[1]

    in_flight = [r for r in out if at_kill(r)]
    failures = [r for r in out if _failed(r[2])]
    down = (events.get("replica_stop"), events.get("replica_start"))
    during_replica_outage = [r for r in out if down[0] and down[0] <= r[0] < down[1]]
    return {
        "failed": len(failures),
        "in_flight_at_kill": len(in_flight),
        "failed_in_flight_at_kill": sum(1 for r in in_flight if _failed(r[2])),
        "failed_otherwise": sum(1 for r in failures if not at_kill(r)),
        "during_replica_outage": {
            "requests": len(during_replica_outage),
            "failed": sum(1 for r in during_replica_outage if _failed(r[2])),
        },
    }


def _lags(lag: LagWatch, t0: float, events: dict) -> dict:
    down = (events.get("replica_stop"), events.get("replica_start"))

    def peaks(samples: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(round(t - t0, 1), v) for t, v in sorted(samples, key=lambda x: -x[1])[:3]]

    return {
        "replica_lag_max_s": {
            "pg_stat_replication": _max_lag(lag.primary, down),
            "readyz": _max_lag(lag.readyz, down),
        },
        "replica_lag_catching_up_max_s": {
            "pg_stat_replication": _max_lag(lag.primary, down, catching_up=True),
            "readyz": _max_lag(lag.readyz, down, catching_up=True),
        },
        "readyz_states": sorted({s for _, s in lag.states}),
        # When the largest lags were seen, in seconds from the start of the load, beside the events.
        "replica_lag_peaks": {"pg_stat_replication": peaks(lag.primary), "readyz": peaks(lag.readyz)},
    }


def summarise(result: dict, out: list, t0: float, seconds: float, events: dict, lag: LagWatch) -> None:
    result.update(_latencies(out, seconds))
    result.update(_failures(out, events))
    result.update(_lags(lag, t0, events))
    result["events"] = {name: round(t - t0, 1) for name, t in events.items()}


def print_summary(result: dict) -> None:
    rows = [
        ("requests through HAProxy", result["requests"]),
        ("responses by status", " ".join(f"{k}:{v}" for k, v in result["statuses"].items())),
        ("requests per second", result["req_per_s"]),
        ("latency p50 / p95 (ms)", f"{result['p50_ms']} / {result['p95_ms']}"),
        ("failed (5xx or no answer)", result["failed"]),
    ]
    if "readyz_replica_down" in result:
        down = result["readyz_replica_down"]
        rows += [
            ("  in flight at the kill of A", f"{result['in_flight_at_kill']} ({result['failed_in_flight_at_kill']} failed)"),
            ("  failed otherwise", result["failed_otherwise"]),
            ("while the replica was down", f"{result['during_replica_outage']['requests']} requests, "
                                           f"{result['during_replica_outage']['failed']} failed"),
            ("/readyz with the replica down", f"HTTP {down.get('http')} status={down.get('status')} "
                                              f"replicas={json.dumps(down.get('replicas'))}"),
            ("import (upload via A, read via B)", json.dumps(result.get("import"))),
        ]  # fmt: skip
    split = result.get("transactions_before_replica_stop") or {}
    lag = result["replica_lag_max_s"]
    rows += [
        (
            "database transactions (replica up)",
            f"primary {split.get('primary')}, replica {split.get('replica')}",
        ),
        (
            "replica lag, max (s)",
            f"pg_stat_replication {lag['pg_stat_replication']}, /readyz {lag['readyz']}",
        ),
        (
            "  catching up after its restart",
            " ".join(f"{k} {v}" for k, v in result["replica_lag_catching_up_max_s"].items()),
        ),
        (
            "/readyz at the end",
            f"HTTP {result['readyz_end'].get('http')} status={result['readyz_end'].get('status')}",
        ),
        ("RSS per worker (MB)", " ".join(f"{k}={v}" for k, v in result["rss_mb"].items())),
    ]
    if "cpu_seconds" in result:
        cpu = result["cpu_seconds"]
        app = cpu.get("a", 0) + cpu.get("b", 0)
        rows.append(("CPU seconds under load", " ".join(f"{k}={v}" for k, v in cpu.items())))
        if app:
            rows.append(("requests per app CPU second", round(result["requests"] / app, 1)))
    width = max(len(k) for k, _ in rows)
    print("\n" + "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows), flush=True)


def verdict(result: dict) -> list[str]:
    problems = []
    if result["failed_otherwise"]:
        problems.append(f"{result['failed_otherwise']} requests failed that were not in flight at the kill")
    if result["during_replica_outage"]["failed"]:
        problems.append("reads failed while the replica was down")
    if result.get("readyz_replica_down", {}).get("status") != "degraded":
        problems.append("/readyz did not say degraded with the replica down")
    imp = result.get("import") or {}
    if imp.get("seen_through") != "B" or imp.get("status") not in {"done", "attention"}:
        problems.append(f"the import was not seen finished through app server B: {imp}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("CLUSTER_SECONDS", "60")))
    parser.add_argument("--clients", type=int, default=int(os.environ.get("CLUSTER_CLIENTS", "8")))
    parser.add_argument("--mix", choices=sorted(MIXES), default=os.environ.get("CLUSTER_MIX", "mixed"))
    parser.add_argument(
        "--no-faults", action="store_true", help="load only: no kill, no replica stop, no import"
    )
    parser.add_argument("--json", action="store_true", help="also print the result as one JSON line")
    parser.add_argument("--keep-logs", type=Path, help="copy the processes' logs here")
    args = parser.parse_args()

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tmp = Path(tempfile.mkdtemp(prefix="catalogue-cluster."))
    logdir = tmp / "logs"
    logdir.mkdir()
    try:
        result = run(args.seconds, args.clients, args.mix, not args.no_faults, tmp, logdir)
    finally:
        cleanup()
        if args.keep_logs:
            shutil.copytree(logdir, args.keep_logs, dirs_exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
    print_summary(result)
    if args.json:
        print(json.dumps(result, default=str))
    problems = [] if args.no_faults else verdict(result)
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
