"""Access log: one JSON line per request (method, path, status, duration, client), written inside
the request so it carries the request id like every other line."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse

from catalogue.client_address import client_address
from catalogue.resilience import database_outage

log = logging.getLogger("catalogue.access")


class AccessLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        if database_outage.ongoing:
            # During an outage, watch this request's queries: the first that succeeds ends it.
            with connection.execute_wrapper(database_outage.watch):
                response = self.get_response(request)
        else:
            response = self.get_response(request)
        log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "query": request.META.get("QUERY_STRING", "")[:500],
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                # The client behind our proxies, as throttles and the admin lockout see it.
                "client": client_address(request),
            },
        )
        return response
