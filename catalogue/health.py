"""Probes for load balancers and orchestrators.

/healthz  the process answers (no dependency is touched): restart it if this fails.
/readyz   the database, the cache and the task broker are reachable: send traffic only if 200.
Both answer JSON; /readyz names each check, with 503 when one fails.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

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


def _broker() -> None:
    if not settings.CELERY_BROKER_URL:
        return  # tasks run inline: there is no broker to reach
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=1) as conn:
        conn.ensure_connection(max_retries=1, timeout=1)


CHECKS = {"database": _database, "cache": _cache, "broker": _broker}


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # any failure means "not ready"; the reason goes to the log
            log.warning("readiness check %s failed: %s", name, exc)
            results[name] = "unavailable"
    ready = all(v == "ok" for v in results.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": results}, status=200 if ready else 503
    )
