"""Probes for load balancers and orchestrators.

/healthz  the process answers (no dependency is touched): restart it if this fails.
/readyz   the database, the cache and the task broker are reachable, and a worker has written its
          heartbeat lately (catalogue.workers) when tasks go to a broker: send traffic only if 200.
Both answer JSON; /readyz names each check, with 503 when one fails. Read replicas
(DATABASE_REPLICA_URLS) are listed with their lag; one down makes the status "degraded", still 200,
since reads fall back to the primary (catalogue.db_routing). Each probe is bounded to
about half a second (no retry sleeps), so a dead dependency answers fast instead of hanging the
probe past the load balancer's own timeout. READYZ_REQUIRES_WORKER=0 keeps a stale worker in the
answer but out of the status, for deployments whose web traffic should not wait on the workers.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from catalogue import workers

log = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    cache = caches["default"]
    client = getattr(cache, "client", None)
    token = uuid.uuid4().hex
    if client is not None:  # django-redis: ask the client, which raises (the cache swallows errors)
        client.set("readyz", token, timeout=10)
        ok = client.get("readyz") == token
    else:
        cache.set("readyz", token, 10)
        ok = cache.get("readyz") == token
    if not ok:
        raise RuntimeError("cache did not return what was stored")


def _tasks_inline() -> bool:
    return not settings.CELERY_BROKER_URL or settings.CELERY_TASK_ALWAYS_EAGER


def _broker() -> None:
    if not settings.CELERY_BROKER_URL:
        return  # tasks run inline: there is no broker to reach
    workers.check_broker()


class WorkerStale(RuntimeError):
    """No worker heartbeat lately: tasks would wait in the queue."""


def _shared_cache() -> bool:
    return not isinstance(caches["default"], LocMemCache)


def _worker() -> None:
    if _tasks_inline():
        return  # tasks run in the web process: no worker to wait for
    if not _shared_cache():
        # The workers' heartbeat lands in their own memory, not ours: ask them instead.
        if not workers.ping_workers():
            raise WorkerStale("no worker answered a ping")
        return
    age = workers.heartbeat_age()
    if age is None or age > workers.STALE_AFTER_SECONDS:
        raise WorkerStale("no worker heartbeat" if age is None else f"last worker heartbeat {age:.0f} s ago")


CHECKS = {"database": _database, "cache": _cache, "broker": _broker, "worker": _worker}


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except WorkerStale as exc:
            log.warning("readiness check worker failed: %s", exc)
            results[name] = "stale"
        except Exception as exc:  # any failure means "not ready"; the reason goes to the log
            log.warning("readiness check %s failed: %s", name, exc)
            results[name] = "unavailable"
    counted = {
        name: value for name, value in results.items() if name != "worker" or settings.READYZ_REQUIRES_WORKER
    }
    ready = all(v == "ok" for v in counted.values())
    body = {"status": "ok" if ready else "unavailable", "checks": results}
    replicas = _replicas()
    if replicas:
        body["replicas"] = replicas
        if ready and any(r["status"] != "up" for r in replicas.values()):
            body["status"] = "degraded"
    return JsonResponse(body, status=200 if ready else 503)


def _replicas() -> dict[str, dict]:
    from catalogue.db_routing import replica_aliases, replica_status

    return {alias: replica_status(alias) for alias in replica_aliases()}
