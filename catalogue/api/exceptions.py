"""Errors as RFC 9457 problem details (application/problem+json), for every 4xx/5xx of the API.

Body: {type, title, status, detail, instance, errors: [{field, message}]}. `field` names the input
that failed: a query parameter (`page_size`, `province`), a dotted path into the JSON body
(`case.province`, `sources.0.excerpt`), `body` for an unreadable body, `X-API-Key` for a missing,
invalid or insufficient key, or null when the request as a whole failed.

Every word is in the request's language (Accept-Language, or `?lang=`; catalogue.middleware):
title, detail and messages are translated strings, and `detail` names each failed input by its
label in that language (`Per page (page_size): …`, `每页条数（page_size）：…`); `field` stays the
parameter's name, which is what a program matches on.

For v1 compatibility, a validation problem also carries one member per failed top-level field with
its messages (the Foundation API answered `{"page_size": ["…"]}`); RFC 9457 allows such extensions
and the schema documents them (`additionalProperties` of Problem).
"""

from __future__ import annotations

import json
import logging
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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

# What `detail` calls the parameters no FilterSet declares (pagination, sync, format, the body).
PARAMETER_LABELS = {
    "page": gettext_lazy("Page"),
    "page_size": gettext_lazy("Per page"),
    "cursor": gettext_lazy("Cursor"),
    "pagination": gettext_lazy("Pagination"),
    "ordering": gettext_lazy("Sort"),
    "modified_since": gettext_lazy("Modified since"),
    "format": gettext_lazy("Format"),
    "q": gettext_lazy("Search"),
    "body": gettext_lazy("Request body"),
    "path": gettext_lazy("Path"),
    "X-API-Key": gettext_lazy("API key"),
}


class PayloadTooLarge(exceptions.APIException):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE: Django refuses to read it."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "payload_too_large"
    field = "body"


class BadRequest(exceptions.APIException):
    """A request Django itself distrusts (SuspiciousOperation): a 400, never a 500."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = gettext_lazy("Bad request.")
    default_code = "bad_request"


class ServiceUnavailable(exceptions.APIException):
    """The database cannot be reached: retry after `wait` seconds (DRF sends Retry-After)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = gettext_lazy("The catalogue is briefly unavailable; retry shortly.")
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


class ProblemType(NamedTuple):
    """What answers an exception: a problem type's slug and title (in the request's language) and
    the input the problem is about, unless the exception names its own `field`."""

    exception: type[Exception]
    slug: str
    title: Any
    field: str | None = None


# Tried in this order: the first whose exception class matches answers.
PROBLEMS = [
    ProblemType(exceptions.ValidationError, "validation-error", gettext_lazy("Invalid request")),
    ProblemType(exceptions.ParseError, "malformed-request", gettext_lazy("Malformed request body"), "body"),
    ProblemType(
        exceptions.NotAuthenticated, "not-authenticated", gettext_lazy("API key required"), "X-API-Key"
    ),
    ProblemType(
        exceptions.AuthenticationFailed, "authentication-failed", gettext_lazy("Invalid API key"), "X-API-Key"
    ),
    ProblemType(
        exceptions.PermissionDenied,
        "missing-scope",
        gettext_lazy("Not allowed with this API key"),
        "X-API-Key",
    ),
    ProblemType(exceptions.NotFound, "not-found", gettext_lazy("Not found")),
    ProblemType(exceptions.MethodNotAllowed, "method-not-allowed", gettext_lazy("Method not allowed")),
    ProblemType(exceptions.NotAcceptable, "not-acceptable", gettext_lazy("Not acceptable"), "Accept"),
    ProblemType(
        exceptions.UnsupportedMediaType,
        "unsupported-media-type",
        gettext_lazy("Unsupported media type"),
        "Content-Type",
    ),
    ProblemType(exceptions.Throttled, "throttled", gettext_lazy("Too many requests")),
    ProblemType(PayloadTooLarge, "payload-too-large", gettext_lazy("Request body too large"), "body"),
    ProblemType(BadRequest, "bad-request", gettext_lazy("Bad request")),
    ProblemType(ServiceUnavailable, "service-unavailable", gettext_lazy("Service unavailable")),
]
TYPES = {problem.slug: problem.title for problem in PROBLEMS} | {
    # Answered without an exception (problem_response) and for any exception not above.
    "precondition-failed": gettext_lazy("Precondition failed"),
    "server-error": gettext_lazy("Internal server error"),
}


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
        "title": str(TYPES[slug]),
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


def _no_such(view: Any) -> str:
    model = getattr(getattr(view, "queryset", None), "model", None)
    if model is None:
        return str(exceptions.NotFound.default_detail)
    return _("No %(record)s with this identifier.") % {"record": model._meta.verbose_name}


def field_label(view: Any, name: str) -> str:
    """What a page would call parameter `name` in the active language: its filter's or form
    field's label, else ours (PARAMETER_LABELS); the name itself when nothing names it (a dotted
    path into a body)."""
    filterset_class = getattr(view, "filterset_class", None)
    if filterset_class is not None and name in filterset_class.base_filters:
        queryset = getattr(view, "queryset", None)
        # Labels a FilterSet derives from model fields are only known once it is bound to a model.
        filterset = filterset_class(queryset=queryset.none() if queryset is not None else None)
        label = filterset.filters[name].label
        if label:
            return str(label)
    form_class = getattr(view, "form_class", None)
    if form_class is not None and name in form_class.base_fields:
        return str(form_class.base_fields[name].label or name)
    return str(PARAMETER_LABELS.get(name, name))


def summarise(errors: list[dict[str, str | None]], view: Any) -> str:
    """`detail` of a problem with several errors: each named by its label in the request's language."""
    parts = []
    for e in errors:
        if not e["field"]:
            parts.append(e["message"])
            continue
        label = field_label(view, e["field"])
        if label == e["field"]:
            parts.append(_("%(field)s: %(message)s") % {"field": label, "message": e["message"]})
        else:
            parts.append(
                _("%(label)s (%(field)s): %(message)s")
                % {"label": label, "field": e["field"], "message": e["message"]}
            )
    return _("; ").join(parts)


def _classify(exc: exceptions.APIException) -> tuple[str, str | None]:
    for problem in PROBLEMS:
        if isinstance(exc, problem.exception):
            return problem.slug, getattr(exc, "field", problem.field)
    return ("server-error" if exc.status_code >= 500 else "validation-error"), None


def _as_api_exception(exc: Exception, context: dict[str, Any]) -> Exception:
    """Django's exceptions (and a lost database) as the DRF exception that answers them."""
    if database_unavailable(exc):
        request = context.get("request")
        database_outage.failed(request._request if request is not None else None, exc)
        return ServiceUnavailable()
    if isinstance(exc, DjangoValidationError):
        # Services raise Django's ValidationError with dotted field names; same 400 as DRF's.
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        # Django's own text ("No Product matches the given query.") is English whatever the request.
        return exceptions.NotFound(_no_such(context.get("view")) if exc.args else None)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, SuspiciousOperation):
        return BadRequest()
    return exc


def _problem_body(exc: exceptions.APIException, status_code: int, context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    slug, field = _classify(exc)
    detail = exc.detail
    if isinstance(detail, (dict, list)):
        errors = flatten_errors(detail)
        summary = summarise(errors, context.get("view"))
    else:
        errors = [{"field": field, "message": str(detail)}] if field or slug == "validation-error" else []
        summary = str(detail)
    body = problem(
        slug=slug,
        status_code=status_code,
        detail=summary or str(TYPES[slug]),
        instance=request.get_full_path() if request is not None else "",
        errors=errors,
    )
    if isinstance(detail, dict):  # the v1 per-field members (module docstring)
        body.update({k: v for k, v in detail.items() if k not in RESERVED})
    return body


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (status, WWW-Authenticate, Retry-After, rollback), reshaped as a problem."""
    exc = _as_api_exception(exc, context)
    response = exception_handler(exc, context)
    if response is None:
        if settings.DEBUG:
            return None  # DRF re-raises: the developer gets the debug page
        log.exception("unhandled API error", exc_info=exc)
        set_rollback()
        exc = exceptions.APIException()
        response = Response(status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    response.data = _problem_body(exc, response.status_code, context)
    response.content_type = PROBLEM_MEDIA_TYPE
    if isinstance(exc, ServiceUnavailable):
        response._has_been_logged = True  # by database_outage, not once more per request by Django
    request = context.get("request")
    if request is not None:
        # Whatever format was negotiated (csv, xlsx, or none at all for a 406), problems are JSON.
        request.accepted_renderer = ProblemJSONRenderer()
        request.accepted_media_type = PROBLEM_MEDIA_TYPE
    return response
