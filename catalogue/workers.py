"""Worker liveness, shared by the Celery app (config.celery_app), /readyz (catalogue.health) and
`load_catalogue --background`: the worker heartbeat and the broker and worker probes.

Workers say they are alive: every HEARTBEAT_SECONDS each worker writes the time to the shared
cache (a bootstep on the worker's own timer, so it needs neither beat nor a free pool process).
/readyz reads it and `load_catalogue --background` pings before it enqueues. This module knows no
Celery app: the probes use `celery.current_app` (Celery's Django fix-up makes the project's app the
default in every thread), so the base needs no import of the wiring above it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import bootsteps, current_app
from django.conf import settings
from django.core.cache import caches
from kombu import Connection

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "celery:worker-heartbeat"
HEARTBEAT_SECONDS = 15.0
# Three missed heartbeats: the worker is gone (or its timer is blocked, which is as bad).
STALE_AFTER_SECONDS = 60.0
# Probes answer within this: a readiness check or a command must not hang on a dead broker.
PROBE_SECONDS = 0.5


def write_heartbeat() -> None:
    """Record that a worker is alive now (errors are logged: a missed beat is what readyz reports)."""
    try:
        caches["default"].set(HEARTBEAT_KEY, time.time(), timeout=int(STALE_AFTER_SECONDS * 10))
    except Exception as exc:  # a cache outage must not stop the worker
        log.warning("worker heartbeat not written: %s", exc)


def heartbeat_age() -> float | None:
    """Seconds since a worker last wrote its heartbeat, or None if none ever did (or it expired)."""
    stamp = caches["default"].get(HEARTBEAT_KEY)
    return None if stamp is None else max(0.0, time.time() - float(stamp))


class Heartbeat(bootsteps.StartStopStep):
    """Writes the heartbeat from the worker's timer, from start-up to shutdown."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.tref = None

    def start(self, worker: Any) -> None:
        write_heartbeat()
        self.tref = worker.timer.call_repeatedly(HEARTBEAT_SECONDS, write_heartbeat, priority=10)

    def stop(self, worker: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None


def check_broker(timeout: float = PROBE_SECONDS) -> None:
    """Connect to the broker once, within `timeout` seconds; raises if it cannot be reached.
    (kombu's default retries once after sleeping 2 s: too slow for a probe.)"""
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout) as conn:
        conn.ensure_connection(max_retries=0, timeout=timeout)


def ping_workers(timeout: float = PROBE_SECONDS) -> list[str]:
    """The names of the workers that answer a ping within `timeout` seconds ([] when none, or when
    the broker itself cannot be reached)."""
    try:
        check_broker(timeout)
        replies = current_app.control.ping(timeout=timeout) or []
    except Exception as exc:  # broker down or refusing: nobody will run a task
        log.warning("worker ping failed: %s", exc)
        return []
    return [name for reply in replies for name in reply]
