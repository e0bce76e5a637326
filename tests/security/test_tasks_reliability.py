"""Issue 20 finding 9, the worker parts: tasks were acknowledged on receipt (a worker killed
during an import lost it for good), /readyz stayed 200 with no worker at all, and
`load_catalogue --background` waited ten minutes in silence for a worker that was not there."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

from catalogue import health, workers
from config import celery_app

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: connections are refused at once, as with a stopped Redis.
DEAD_BROKER = "redis://127.0.0.1:1/0"


def test_tasks_are_acknowledged_late_and_handed_back_when_a_worker_dies():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    # Redis redelivers an unacknowledged task after this; it must outlast the longest retry
    # countdown (webhooks back off up to 30 * 2**4 s) or a waiting retry would run twice.
    assert conf.broker_transport_options["visibility_timeout"] > 30 * 2**4


@pytest.fixture
def broker_configured(monkeypatch):
    """Tasks go to a broker (as in production), whose own probe passes."""
    monkeypatch.setitem(health.CHECKS, "broker", lambda: None)
    with override_settings(CELERY_BROKER_URL=DEAD_BROKER, CELERY_TASK_ALWAYS_EAGER=False):
        yield


def test_readyz_says_worker_stale_without_a_heartbeat(client, broker_configured, monkeypatch):
    monkeypatch.setattr(health, "_shared_cache", lambda: True)
    from django.core.cache import cache

    cache.delete(workers.HEARTBEAT_KEY)
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["worker"] == "stale"

    workers.write_heartbeat()
    assert client.get("/readyz").json()["checks"]["worker"] == "ok"

    cache.set(workers.HEARTBEAT_KEY, time.time() - 10 * 60)
    assert client.get("/readyz").json()["checks"]["worker"] == "stale"

    with override_settings(READYZ_REQUIRES_WORKER=False):
        reported = client.get("/readyz")
    assert reported.status_code == 200 and reported.json()["checks"]["worker"] == "stale"


def test_readyz_pings_when_the_cache_is_not_shared(client, broker_configured, monkeypatch):
    monkeypatch.setattr(health, "_shared_cache", lambda: False)
    monkeypatch.setattr(workers, "ping_workers", lambda timeout=0.5: [])
    assert client.get("/readyz").json()["checks"]["worker"] == "stale"
    monkeypatch.setattr(workers, "ping_workers", lambda timeout=0.5: ["celery@a"])
    assert client.get("/readyz").json()["checks"]["worker"] == "ok"


@override_settings(CELERY_BROKER_URL=DEAD_BROKER, CELERY_TASK_ALWAYS_EAGER=False)
def test_readyz_fails_fast_when_the_broker_is_down(client):
    client.get("/readyz")  # the first call imports kombu's transports
    started = time.perf_counter()
    ready = client.get("/readyz")
    elapsed = time.perf_counter() - started
    assert ready.status_code == 503 and ready.json()["checks"]["broker"] == "unavailable"
    assert elapsed < 1.5, f"/readyz took {elapsed:.2f} s"  # was 2 s and more: a retry after a sleep


@override_settings(CELERY_BROKER_URL=DEAD_BROKER, CELERY_TASK_ALWAYS_EAGER=False)
def test_background_load_says_at_once_when_no_worker_answers():
    started = time.perf_counter()
    with pytest.raises(CommandError, match="no Celery worker answered"):
        call_command("load_catalogue", "--background")
    assert time.perf_counter() - started < 5


@pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (CI starts Redis)"
)
def test_a_real_worker_writes_its_heartbeat_and_answers_a_ping():
    from celery.contrib.testing.worker import start_worker
    from django.core.cache import caches

    caches["default"].delete(workers.HEARTBEAT_KEY)
    app = celery_app
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            deadline = time.monotonic() + 20
            while workers.heartbeat_age() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            assert workers.heartbeat_age() is not None
            assert workers.ping_workers(timeout=2.0)
    finally:
        app.conf.task_always_eager = eager
    assert settings.CELERY_BROKER_URL


def test_a_finished_import_handed_back_is_not_run_again(settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = str(tmp_path)
    from loader import services
    from loader.models import ReportImport
    from loader.tasks import import_report_task

    imp = ReportImport.objects.create(
        file=ContentFile(b"x", name="done.txt"), file_name="done.txt", checksum="0" * 64, status="done"
    )
    # The file is not an issue at all: running it again would fail it. A finished import is left
    # as it is (the service claims only a waiting import).
    assert import_report_task(imp.pk)["status"] == "done"
    imp.refresh_from_db()
    assert imp.status == "done" and imp.log == "" and not imp.items.exists()
    assert services.report_import_run(import_id=imp.pk).status == "done"


def _children(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    with open(path) as fh:
        return [int(p) for p in fh.read().split()]


@contextmanager
def _real_worker(env: dict, queue: str, log_path) -> Iterator[subprocess.Popen]:
    """A prefork Celery worker with one pool process on `queue`, logging to `log_path`; this test
    process sends it tasks (not eager) meanwhile. Stopped, and eager put back, on the way out."""
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
             "--concurrency=1", "-Q", queue, "--loglevel=INFO", "--without-heartbeat",
             "--without-mingle", "--without-gossip"],
            cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    app = celery_app
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield worker
    finally:
        app.conf.task_always_eager = eager
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (CI starts Redis)"
)
@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="finds the pool process through /proc")
def test_a_task_whose_worker_process_is_killed_runs_again(tmp_path):
    """A real worker (prefork, one process) takes the load; its pool process is killed with
    SIGKILL mid-task; the task is handed back and finishes on the replacement process."""
    import signal
    import uuid

    from django.db import connection

    from loader.tasks import load_catalogue_task

    s = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        url = f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"
    else:
        url = f"sqlite:///{s['NAME']}"
    queue = f"kill-test-{uuid.uuid4().hex[:8]}"
    log_path = tmp_path / "worker.log"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "HTTPS")},
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "1",
        "DATABASE_URL": url,
    }
    with _real_worker(env, queue, log_path) as worker:
        result = load_catalogue_task.apply_async((str(settings.FIXTURES_DIR),), queue=queue)
        deadline = time.monotonic() + 90
        while "received" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "received" in log_path.read_text(), log_path.read_text()[-2000:]
        time.sleep(1.0)  # into the load
        for child in _children(worker.pid):
            os.kill(child, signal.SIGKILL)
        summary = result.get(timeout=180)
    output = log_path.read_text()
    assert "WorkerLostError" in output or "SIGKILL" in output, output[-3000:]
    assert summary["created"]["product"] == 0  # the second run found the catalogue as it was


@pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (CI starts Redis)"
)
@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="finds the pool process through /proc")
def test_a_worker_killed_mid_import_the_import_finishes_once_a_worker_takes_it_back(tmp_path, seeds_dir):
    """A real worker takes a PDF issue's import; its pool process is killed with SIGKILL while it
    runs; the broker hands the task back, the new process waits out the dead run's lease and
    imports the issue to the end (nothing of the killed run was committed)."""
    import signal
    import uuid

    from django.db import connection

    from loader.models import ReportImport
    from loader.tasks import import_report_task
    from tests.loader.corpus.variants import variant

    s = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.skip("the worker and this test share the database: PostgreSQL")
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "HTTPS")},
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "REPORT_IMPORT_LEASE_SECONDS": "3",
    }
    pdf = tmp_path / "2024-05.pdf"
    pdf.write_bytes(variant(seeds_dir, "pdf-grid"))
    # The upload, committed by another process as the admin's would be (this test's own
    # transaction is never committed, so the worker could not see it).
    made = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from django.core.files import File; from loader.services import report_import_create; "
         f"print(report_import_create(file=File(open({str(pdf)!r}, 'rb'), name='2024-05.pdf')).pk)"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    import_id = int(made.stdout.strip().splitlines()[-1])
    queue = f"kill-import-{uuid.uuid4().hex[:8]}"
    log_path = tmp_path / "worker.log"
    with _real_worker(env, queue, log_path) as worker:
        import_report_task.apply_async((import_id,), queue=queue)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            status = ReportImport.objects.filter(pk=import_id).values_list("status", flat=True).first()
            if status == ReportImport.Status.RUNNING:
                break
            time.sleep(0.05)
        assert status == ReportImport.Status.RUNNING, log_path.read_text()[-2000:]
        time.sleep(0.5)  # into the run: reading the PDF
        for child in _children(worker.pid):
            os.kill(child, signal.SIGKILL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            imp = ReportImport.objects.get(pk=import_id)
            if imp.status not in (ReportImport.Status.RUNNING, ReportImport.Status.PENDING):
                break
            time.sleep(0.5)
    output = log_path.read_text()
    assert "WorkerLostError" in output or "SIGKILL" in output, output[-3000:]
    assert imp.status == ReportImport.Status.DONE, (imp.status, imp.log, output[-3000:])
    # Every row of the issue went through once, in the run that finished.
    assert imp.rows_done + imp.rows_failed == imp.rows_total > 150 and imp.items.exists()
