"""`import_report`: runs the import in its own process; `--background` hands it to a worker only when
the broker answers; needs attention and failure exit non-zero with the reasons."""

from __future__ import annotations

import io
import os

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from config.celery_app import app
from loader import services, tasks
from loader.models import ReportImport

from .conftest import REPORT_003
from .test_import import empty_catalogue, media  # noqa: F401  (fixtures, used by name below)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_catalogue", "media")]


@pytest.fixture
def report_path(seeds_dir):
    return seeds_dir / REPORT_003


@pytest.fixture
def no_task(monkeypatch):
    """The task must not be used: the command calls the service itself (no .delay().get())."""

    def refuse(*args, **kwargs):
        raise AssertionError("import_report called the task")

    monkeypatch.setattr(tasks.import_report_task, "delay", refuse)
    monkeypatch.setattr(tasks.import_report_task, "apply_async", refuse)


def _run(*args) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_report", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_imports_in_its_own_process(report_path, no_task):
    out = _run(report_path)
    imp = ReportImport.objects.get()
    assert imp.status == ReportImport.Status.DONE
    assert f"import #{imp.pk} done" in out and "new cases" in out and "{" not in out  # counts in words


def test_needs_attention_exits_2_with_the_reason(report_path, no_task, monkeypatch):
    real = services.read_report

    def no_cases(data):
        text, report = real(data)
        report.cases = []
        return text, report

    monkeypatch.setattr(services, "read_report", no_cases)
    with pytest.raises(CommandError, match="needs attention: the tables yielded no case rows") as exc:
        _run(report_path)
    assert exc.value.returncode == 2
    assert ReportImport.objects.get().status == ReportImport.Status.ATTENTION


def test_background_without_a_broker_says_so_and_stores_nothing(report_path, settings):
    settings.CELERY_BROKER_URL = ""
    with pytest.raises(CommandError, match="needs a broker"):
        _run(report_path, "--background")
    assert not ReportImport.objects.exists()


@pytest.fixture
def broker(settings, monkeypatch):
    """A broker URL for the command, the app's eager switch off for the test; restored after.
    Celery reads CELERY_BROKER_URL from the environment before its own settings."""
    eager, url = app.conf.task_always_eager, app.conf.broker_url

    def use(broker_url: str) -> None:
        settings.CELERY_BROKER_URL = broker_url
        monkeypatch.setenv("CELERY_BROKER_URL", broker_url)
        app.conf.task_always_eager = False
        app.conf.broker_url = broker_url

    yield use
    app.conf.task_always_eager, app.conf.broker_url = eager, url


def test_background_with_the_broker_down_says_so_at_once(report_path, broker):
    import time

    broker("redis://127.0.0.1:1/0")  # nothing listens on port 1
    started = time.perf_counter()
    with pytest.raises(CommandError, match="does not answer"):
        _run(report_path, "--background")
    assert time.perf_counter() - started < 5
    assert not ReportImport.objects.exists()


@pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (CI starts Redis)"
)
def test_background_with_no_worker_queues_and_says_no_worker_answered(report_path, broker, monkeypatch):
    broker(os.environ["CELERY_BROKER_URL"])
    sent = []
    # The import is queued for real workers of the shared broker only in name: record the send.
    monkeypatch.setattr(tasks.import_report_task, "apply_async", lambda args, **kw: sent.append(args))
    err = io.StringIO()
    with translation.override("en"):
        call_command("import_report", str(report_path), "--background", stdout=io.StringIO(), stderr=err)
    imp = ReportImport.objects.get()
    assert sent == [(imp.pk,)] and imp.status == ReportImport.Status.PENDING
    assert "No worker answered" in err.getvalue()
