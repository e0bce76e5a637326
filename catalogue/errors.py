"""Our own error answers: problem JSON under /api/, a page in Chinese and English elsewhere.

Django calls these as handler400/403/404/500 (config/urls.py) for errors raised anywhere, in
middleware too: a rejected Host header, an unreadable request, a missing page, a crash. A database
that cannot be reached is not a crash of ours: it is a 503 with Retry-After, so load balancers and
clients wait and retry instead of reporting a bug.
"""

from __future__ import annotations

import logging
import sys

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

from catalogue.api.exceptions import problem_response
from catalogue.resilience import RETRY_AFTER, database_outage, database_unavailable

log = logging.getLogger(__name__)

API_PREFIX = "/api/"


def _problem(request: HttpRequest, slug: str, status: int, detail: str) -> HttpResponse:
    return problem_response(request, slug, status, detail)


def _page(request: HttpRequest, template: str, status: int, reason: str = "") -> HttpResponse:
    body = loader.render_to_string(template, {"status": status, "reason": reason}, request)
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None, reason: str = "") -> HttpResponse:
    """The bad-request page; `reason` says what to fix when the caller knows (a refused field)."""
    if request.path.startswith(API_PREFIX):
        return _problem(request, "bad-request", 400, _("The request was not understood."))
    return _page(request, "400.html", 400, reason)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return _problem(request, "missing-scope", 403, _("Not allowed."))
    return _page(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return _problem(request, "not-found", 404, _("Not found."))
    return _page(request, "404.html", 404)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        response = _problem(
            request, "service-unavailable", 503, _("The catalogue is briefly unavailable; retry shortly.")
        )
    else:
        response = HttpResponse(loader.render_to_string("503.html", {"retry_after": RETRY_AFTER}), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    # Called while the exception is being handled: a lost database is an outage (503), not a bug.
    exc = sys.exc_info()[1]
    if database_unavailable(exc):
        database_outage.failed(request, exc)
        response = service_unavailable(request)
        # Logged above, once per outage with a traceback: Django's request log would add one
        # per request.
        response._has_been_logged = True
        return response
    if request.path.startswith(API_PREFIX):
        return _problem(request, "server-error", 500, _("Something went wrong on our side."))
    # No request context: whatever failed (the database, a template tag) may fail again here.
    return HttpResponse(loader.render_to_string("500.html"), status=500)
