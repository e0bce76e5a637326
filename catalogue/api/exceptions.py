"""Errors as RFC 9457 problem details (application/problem+json), for every 4xx/5xx of the API.

Body: {type, title, status, detail, instance, errors: [{field, message}]}. `field` names the input
that failed: a query parameter (`page_size`, `province`), a dotted path into the JSON body
(`case.province`, `sources.0.excerpt`), `body` for an unreadable body, `X-API-Key` for a missing,
invalid or insufficient key, or null when the request as a whole failed.

For v1 compatibility, a validation problem also carries one member per failed top-level field with
its messages (the Foundation API answered `{"page_size": ["…"]}`); RFC 9457 allows such extensions.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler, set_rollback

from catalogue.resilience import RETRY_AFTER, database_outage, database_unavailable

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
# Problem types are tag URIs (RFC 9457 §3.1.1 allows non-resolvable type URIs); the docs list them.
TYPE_BASE = "tag:sme-finance-catalogue,2025:problem:"
RESERVED = {"type", "title", "status", "detail", "instance", "errors"}

# exception class → (type slug, title, field the problem is about)
PROBLEMS: list[tuple[type[Exception], str, str, str | None]] = [
    (exceptions.ValidationError, "validation-error", "Invalid request", None),
    (exceptions.ParseError, "malformed-request", "Malformed request body", "body"),
    (exceptions.NotAuthenticated, "not-authenticated", "API key required", "X-API-Key"),
    (exceptions.AuthenticationFailed, "authentication-failed", "Invalid API key", "X-API-Key"),
    (exceptions.PermissionDenied, "missing-scope", "Not allowed with this API key", "X-API-Key"),
    (exceptions.NotFound, "not-found", "Not found", None),
    (exceptions.MethodNotAllowed, "method-not-allowed", "Method not allowed", None),
    (exceptions.NotAcceptable, "not-acceptable", "Not acceptable", "Accept"),
    (exceptions.UnsupportedMediaType, "unsupported-media-type", "Unsupported media type", "Content-Type"),
    (exceptions.Throttled, "throttled", "Too many requests", None),
]
# Declared below; classified by these slugs.
EXTRA_TYPES = {
    "payload-too-large": "Request body too large",
    "bad-request": "Bad request",
    "service-unavailable": "Service unavailable",
}
TYPES = (
    {slug: title for _, slug, title, _ in PROBLEMS}
    | {
        "precondition-failed": "Precondition failed",
        "server-error": "Internal server error",
    }
    | EXTRA_TYPES
)


class PayloadTooLarge(exceptions.APIException):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE: Django refuses to read it."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "the request body is too large"
    default_code = "payload_too_large"
    field = "body"


class BadRequest(exceptions.APIException):
    """A request Django itself distrusts (SuspiciousOperation): a 400, never a 500."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "bad request"
    default_code = "bad_request"


class ServiceUnavailable(exceptions.APIException):
    """The database cannot be reached: retry after `wait` seconds (DRF sends Retry-After)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "the catalogue is briefly unavailable; retry shortly"
    default_code = "service_unavailable"

    def __init__(self) -> None:
        super().__init__()
        self.wait = RETRY_AFTER


class ProblemJSONRenderer(JSONRenderer):
    media_type = PROBLEM_MEDIA_TYPE
    format = "problem+json"


class PageNotFound(exceptions.NotFound):
    """A page number past the end: a 404 about the `page` parameter."""

    field = "page"


def problem_type(slug: str) -> str:
    return TYPE_BASE + slug


def flatten_errors(detail: Any, prefix: str = "") -> list[dict[str, str | None]]:
    """DRF's nested error detail → [{field: "case.province", message}], in input order."""
    if isinstance(detail, dict):
        out = []
        for name, sub in detail.items():
            if name in ("non_field_errors", "__all__"):
                out += flatten_errors(sub, prefix)
            else:
                out += flatten_errors(sub, f"{prefix}.{name}" if prefix else str(name))
        return out
    if isinstance(detail, list):
        if all(isinstance(d, (str, exceptions.ErrorDetail)) for d in detail):
            return [{"field": prefix or None, "message": str(d)} for d in detail]
        out = []
        for i, sub in enumerate(detail):
            if sub:  # DRF reports list items without errors as {}
                out += flatten_errors(sub, f"{prefix}.{i}" if prefix else str(i))
        return out
    return [{"field": prefix or None, "message": str(detail)}]


def problem(
    *,
    slug: str,
    status_code: int,
    detail: str,
    instance: str,
    errors: list[dict[str, str | None]] | None = None,
) -> dict[str, Any]:
    return {
        "type": problem_type(slug),
        "title": TYPES[slug],
        "status": status_code,
        "detail": detail,
        "instance": instance,
        "errors": errors or [],
    }


def problem_response(request: HttpRequest, slug: str, status_code: int, detail: str) -> HttpResponse:
    """A problem response outside DRF's exception flow (e.g. a failed precondition)."""
    body = problem(slug=slug, status_code=status_code, detail=detail, instance=request.get_full_path())
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status_code, content_type=PROBLEM_MEDIA_TYPE
    )


def _classify(exc: exceptions.APIException) -> tuple[str, str | None]:
    if isinstance(exc, PayloadTooLarge):
        return "payload-too-large", "body"
    if isinstance(exc, BadRequest):
        return "bad-request", None
    if isinstance(exc, ServiceUnavailable):
        return "service-unavailable", None
    for cls, slug, _title, field in PROBLEMS:
        if isinstance(exc, cls):
            return slug, getattr(exc, "field", field)
    return ("server-error" if exc.status_code >= 500 else "validation-error"), None


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (status, WWW-Authenticate, Retry-After, rollback), reshaped as a problem."""
    outage = database_unavailable(exc)
    if outage:
        request = context.get("request")
        database_outage.failed(request._request if request is not None else None, exc)
        exc = ServiceUnavailable()
    elif isinstance(exc, DjangoValidationError):
        # Services raise Django's ValidationError with dotted field names; same 400 as DRF's.
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        exc = BadRequest()

    response = exception_handler(exc, context)
    if response is None:
        if settings.DEBUG:
            return None  # DRF re-raises: the developer gets the debug page
        log.exception("unhandled API error", exc_info=exc)
        set_rollback()
        exc = exceptions.APIException()
        response = Response(status=status.HTTP_500_INTERNAL_SERVER_ERROR)

    request = context.get("request")
    slug, field = _classify(exc)
    detail = exc.detail
    if isinstance(detail, (dict, list)):
        errors = flatten_errors(detail)
        summary = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)
    else:
        errors = [{"field": field, "message": str(detail)}] if field or slug == "validation-error" else []
        summary = str(detail)
    body = problem(
        slug=slug,
        status_code=response.status_code,
        detail=summary or TYPES[slug],
        instance=request.get_full_path() if request is not None else "",
        errors=errors,
    )
    if isinstance(detail, dict):
        body.update({k: v for k, v in detail.items() if k not in RESERVED})
    response.data = body
    response.content_type = PROBLEM_MEDIA_TYPE
    if outage:
        response._has_been_logged = True  # by database_outage, not once more per request by Django
    if request is not None:
        # Whatever format was negotiated (csv, xlsx, or none at all for a 406), problems are JSON.
        request.accepted_renderer = ProblemJSONRenderer()
        request.accepted_media_type = PROBLEM_MEDIA_TYPE
    return response
