"""Reads on PostgreSQL replicas, writes on the primary.

DATABASE_REPLICA_URLS (settings) adds one database alias per replica, listed in DATABASE_REPLICAS.
Outside a request (Celery tasks, management commands, the loader and imports, migrations) every
query goes to the primary: nothing but `ReplicaReadsMiddleware` ever sends a read elsewhere, and it
does so only for a safe request (GET, HEAD, OPTIONS) outside the admin from a client that has not
written lately. An unsafe request is answered with a cookie that keeps that browser's reads on the
primary for DATABASE_PRIMARY_PIN_SECONDS, longer than replicas lag, so a manager sees the
shortlist they just saved.

A replica that does not answer is skipped for REPLICA_RETRY_SECONDS (one connection attempt,
bounded by its connect_timeout, instead of one per request), and a read that fails on a replica
mid-request runs again on the primary. /readyz reports each replica (catalogue.health).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)

PIN_COOKIE = "primary_until"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# The alias this request's reads go to; the primary unless the middleware chose a replica.
_read_alias: contextvars.ContextVar[str] = contextvars.ContextVar("read_alias", default=DEFAULT_DB_ALIAS)


def replica_aliases() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", []))


def read_alias() -> str:
    """Where reads go now (the primary outside a request routed to a replica)."""
    return _read_alias.get()


class ReplicaHealth:
    """Which replicas failed lately, per process: a failed one is not tried again for a few seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down_until: dict[str, float] = {}

    def is_down(self, alias: str) -> bool:
        return time.monotonic() < self._down_until.get(alias, 0.0)

    def mark_down(self, alias: str, exc: BaseException | None = None) -> None:
        retry = float(getattr(settings, "REPLICA_RETRY_SECONDS", 5))
        with self._lock:
            was_down = self.is_down(alias)
            self._down_until[alias] = time.monotonic() + retry
        if not was_down:
            log.warning("replica %s unreachable, reading from the primary for %.0f s: %s", alias, retry, exc)

    def reset(self) -> None:
        with self._lock:
            self._down_until.clear()


replica_health = ReplicaHealth()


def _reachable(alias: str) -> bool:
    """Connect (or check the kept connection) once; a failure marks the replica down."""
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except (OperationalError, InterfaceError) as exc:
        replica_health.mark_down(alias, exc)
        return False
    return True


def choose_replica() -> str:
    """A replica that answers (chosen at random among those not marked down), else the primary."""
    candidates = [alias for alias in replica_aliases() if not replica_health.is_down(alias)]
    random.shuffle(candidates)
    for alias in candidates:
        if _reachable(alias):
            return alias
    return DEFAULT_DB_ALIAS


def pinned_to_primary(request: HttpRequest, now: float | None = None) -> bool:
    """True while the client's pin cookie (set after its last unsafe request) is still running."""
    value = request.COOKIES.get(PIN_COOKIE, "")
    try:
        until = float(value)
    except ValueError:
        return False
    now = time.time() if now is None else now
    # A stamp further ahead than one window was not written by us: ignored, not obeyed for ever.
    return now < until <= now + pin_seconds() + 1


def pin_seconds() -> int:
    return int(getattr(settings, "DATABASE_PRIMARY_PIN_SECONDS", 10))


def reads_go_to_replica(request: HttpRequest) -> bool:
    """The routing decision for one request (before any replica's health is considered)."""
    if not replica_aliases() or request.method not in SAFE_METHODS:
        return False
    match = getattr(request, "resolver_match", None)
    if match is not None and "admin" in match.namespaces:
        return False  # curators read what they just reviewed
    return not pinned_to_primary(request)


class ReplicaReadsMiddleware:
    """Sends the reads of a safe request to a replica, pins a writer's reads to the primary for a
    while, and runs a read again on the primary when its replica fails under it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request._replica_failed = False  # type: ignore[attr-defined]
        token = _read_alias.set(DEFAULT_DB_ALIAS)
        try:
            with _WatchReplicas(request):
                response = self.get_response(request)
            if request._replica_failed and request.method in SAFE_METHODS and response.status_code >= 500:  # type: ignore[attr-defined]
                # The replica went away under this read: a safe request is answered again from the
                # primary instead of failing.
                request._replica_retry = True  # type: ignore[attr-defined]
                _read_alias.set(DEFAULT_DB_ALIAS)
                response = self.get_response(request)
            alias = _read_alias.get()
        finally:
            _read_alias.reset(token)
        if request.method not in SAFE_METHODS or getattr(request, "_wrote", False):
            self._pin(response)
        elif response.streaming and alias != DEFAULT_DB_ALIAS:
            # An export is read while the server sends it, after this returns: on the same replica.
            response.streaming_content = _reading_from(alias, response.streaming_content)
        return response

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> None:
        # Here, not in __call__: the URL is resolved (the admin stays on the primary) and the
        # session and user, read before the view, came from the primary.
        if getattr(request, "_replica_retry", False) or getattr(request, "_wrote", False):
            return None
        if not reads_go_to_replica(request):
            return None
        _read_alias.set(choose_replica())
        return None

    @staticmethod
    def _pin(response: HttpResponse) -> None:
        seconds = pin_seconds()
        response.set_cookie(
            PIN_COOKIE,
            f"{time.time() + seconds:.0f}",
            max_age=seconds,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )


def _reading_from(alias: str, content: Iterator[Any]) -> Iterator[Any]:
    token = _read_alias.set(alias)
    try:
        yield from content
    finally:
        with contextlib.suppress(ValueError):  # closed from another context: nothing to restore
            _read_alias.reset(token)


WRITES = ("INSERT", "UPDATE", "DELETE")


class _WatchReplicas:
    """Execute wrappers for one request. On every replica: a query that fails there marks the
    replica down and the request as one to answer again from the primary. On the primary: a
    write, even in a GET (a confirmation link, a first visit's session), sends the rest of the
    request's reads to the primary, which has it, and pins the client like an unsafe request."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.contexts: list[Any] = []

    def __enter__(self) -> None:
        watchers = [(alias, self._watch(alias)) for alias in replica_aliases()]
        watchers.append((DEFAULT_DB_ALIAS, self._watch_writes))
        for alias, watcher in watchers:
            context = connections[alias].execute_wrapper(watcher)
            context.__enter__()
            self.contexts.append(context)

    def _watch_writes(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        if not getattr(self.request, "_wrote", False) and sql.lstrip()[:6].upper() in WRITES:
            self.request._wrote = True  # type: ignore[attr-defined]
            _read_alias.set(DEFAULT_DB_ALIAS)
        return execute(sql, params, many, context)

    def __exit__(self, *exc: Any) -> None:
        for context in reversed(self.contexts):
            context.__exit__(*exc)

    def _watch(self, alias: str) -> Callable[..., Any]:
        def watch(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            try:
                return execute(sql, params, many, context)
            except (OperationalError, InterfaceError) as exc:
                replica_health.mark_down(alias, exc)
                self.request._replica_failed = True  # type: ignore[attr-defined]
                raise

        return watch


class ReplicaRouter:
    """Reads where the request was routed (the primary by default); writes and migrations on the
    primary only. Replicas hold the same rows, so relations between their objects are allowed."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return _read_alias.get()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


# --- what /readyz says about the replicas ---------------------------------------------------------

LAG_SQL = (
    "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() "
    "THEN 0 ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END, "
    "pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())"
)


def replica_status(alias: str) -> dict[str, Any]:
    """{"status": "up"|"down", "lag_seconds": float|None, "lag_bytes": int} for one replica
    (PostgreSQL; elsewhere only up/down). Lag is 0 when the replica has replayed all it received
    (an idle primary sends nothing, so "time since the last replayed transaction" would grow
    without any lag); otherwise that time, an upper bound: while one long transaction streams (an
    import) it counts from the commit before it. lag_bytes is the WAL received and not yet
    replayed, exact."""
    if replica_health.is_down(alias):
        return {"status": "down", "lag_seconds": None}  # failed lately: not waited on again yet
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                cursor.execute("SELECT 1")
                return {"status": "up", "lag_seconds": None}
            cursor.execute(LAG_SQL)
            in_recovery, lag, lag_bytes = cursor.fetchone()
    except (OperationalError, InterfaceError) as exc:
        replica_health.mark_down(alias, exc)
        connection.close()
        return {"status": "down", "lag_seconds": None}
    if not in_recovery:
        return {"status": "up", "lag_seconds": None, "note": "not a standby"}
    return {
        "status": "up",
        "lag_seconds": None if lag is None else round(float(lag), 3),
        "lag_bytes": None if lag_bytes is None else int(lag_bytes),
    }
