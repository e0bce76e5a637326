"""OpenAPI: drf-spectacular's AutoSchema, plus what every operation of this API shares —
problem-details errors, conditional-request headers and 304, and export media types."""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_array_type, build_basic_type, build_parameter_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from catalogue.api.exceptions import PROBLEM_MEDIA_TYPE, problem_type
from catalogue.api.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE
from catalogue.api.serializers import ProblemSerializer

ETAG = {
    "ETag": {
        "schema": {"type": "string"},
        "description": "Validator for If-None-Match. Lists: weak, changes when any matching record is "
        "added, changed or withdrawn. Details: the body's hash.",
    },
    "Last-Modified": {
        "schema": {"type": "string"},
        "description": "Latest `modified` of the record (or of the matching records), as an HTTP date.",
    },
}
ERROR_DOCS = {
    "400": "Invalid request: a filter value, date, page number, page size over the cap, cursor, "
    "ordering or body field is wrong (each listed in `errors` with its `field`); or the JSON is malformed.",
    "401": "A key was required but missing, or the `X-API-Key` sent is unknown or revoked.",
    "403": "The API key lacks the scope this operation needs.",
    "404": "No such record, a page past the last one, or an unknown `format`.",
    "406": "No representation matches the Accept header.",
    "413": "The body is larger than the server accepts.",
    "415": "The body is not application/json.",
    "429": "Rate limit exceeded; wait `Retry-After` seconds.",
}
PROBLEM_EXAMPLES = {
    "400": {
        "type": problem_type("validation-error"),
        "title": "Invalid request",
        "status": 400,
        "detail": "province: Select a valid choice. That choice is not one of the available choices.",
        "instance": "/api/v1/cases/?province=999999",
        "errors": [
            {
                "field": "province",
                "message": "Select a valid choice. That choice is not one of the available choices.",
            }
        ],
    },
    "401": {
        "type": problem_type("authentication-failed"),
        "title": "Invalid API key",
        "status": 401,
        "detail": "the API key is unknown or revoked",
        "instance": "/api/v1/products/",
        "errors": [{"field": "X-API-Key", "message": "the API key is unknown or revoked"}],
    },
    "403": {
        "type": problem_type("missing-scope"),
        "title": "Not allowed with this API key",
        "status": 403,
        "detail": "this operation needs an API key with the submit scope",
        "instance": "/api/v1/submissions/",
        "errors": [
            {"field": "X-API-Key", "message": "this operation needs an API key with the submit scope"}
        ],
    },
    "404": {
        "type": problem_type("not-found"),
        "title": "Not found",
        "status": 404,
        "detail": "page 9 is past the last page (3)",
        "instance": "/api/v1/cases/?page=9",
        "errors": [{"field": "page", "message": "page 9 is past the last page (3)"}],
    },
    "429": {
        "type": problem_type("throttled"),
        "title": "Too many requests",
        "status": 429,
        "detail": "Request was throttled. Expected available in 12 seconds.",
        "instance": "/api/v1/cases/",
        "errors": [],
    },
}


class CatalogueFilterExtension(DjangoFilterExtension):
    """django-filter parameters, with two fixes: a choice of related rows by slug or code
    (`theme=green-finance`) is a string, not a guess. Descriptions come from each filter's
    `help_text`, the one place a filter parameter is documented."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        if isinstance(filter_field, django_filters.ModelMultipleChoiceFilter):
            result = [
                build_parameter_type(
                    name=field_name,
                    required=False,
                    location="query",
                    description=self._get_field_description(filter_field, None),
                    schema=build_array_type(build_basic_type(OpenApiTypes.STR)),
                    explode=True,
                    style="form",
                )
            ]
        elif isinstance(filter_field, django_filters.ModelChoiceFilter):
            to_field = filter_field.extra.get("to_field_name")
            result = [
                build_parameter_type(
                    name=field_name,
                    required=False,
                    location="query",
                    description=self._get_field_description(filter_field, None),
                    schema=build_basic_type(OpenApiTypes.STR if to_field else OpenApiTypes.INT),
                )
            ]
        else:
            result = super().resolve_filter_field(
                auto_schema, model, filterset_class, field_name, filter_field
            )
        return result


def problem_response(code: str) -> OpenApiResponse:
    examples = []
    if code in PROBLEM_EXAMPLES:
        examples = [
            OpenApiExample(f"problem {code}", value=PROBLEM_EXAMPLES[code], media_type=PROBLEM_MEDIA_TYPE)
        ]
    return OpenApiResponse(ProblemSerializer, description=ERROR_DOCS[code], examples=examples)


class CatalogueAutoSchema(AutoSchema):
    def _is_list(self) -> bool:
        return getattr(self.view, "action", None) == "list"

    def get_override_parameters(self) -> list[Any]:
        params = list(super().get_override_parameters())
        if self.method == "GET":
            params += [
                OpenApiParameter(
                    "If-None-Match",
                    str,
                    OpenApiParameter.HEADER,
                    description="An ETag from an earlier response: 304 Not Modified if it still matches.",
                ),
                OpenApiParameter(
                    "If-Modified-Since",
                    str,
                    OpenApiParameter.HEADER,
                    description="An HTTP date: 304 Not Modified if nothing changed since "
                    "(ignored when If-None-Match is sent).",
                ),
            ]
        return params

    def _get_format_parameters(self) -> list[dict[str, Any]]:
        params = super()._get_format_parameters()
        for p in params:
            p["description"] = (
                "`json` (default); `csv` or `xlsx` export every matching record (same filters and "
                "ordering, no pagination) with sources in one column. Accept: text/csv works too."
            )
        return params

    def _error_codes(self) -> list[str]:
        codes = ["401", "406", "429"]
        if self.method == "POST":
            codes += ["400", "413", "415"]
        if self._is_list():
            codes += ["400"]
        if self.method == "GET":
            codes += ["404"]
        if any(getattr(p, "scope", None) for p in self.view.get_permissions()):
            codes += ["403"]
        return sorted(set(codes))

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        ok = responses.get("200")
        if ok is not None and self.method == "GET":
            ok.setdefault("headers", {}).update(ETAG)
            content = ok.get("content", {})
            if CSV_MEDIA_TYPE in content:
                content[CSV_MEDIA_TYPE] = {"schema": {"type": "string", "description": "CSV, UTF-8 with BOM"}}
            if XLSX_MEDIA_TYPE in content:
                content[XLSX_MEDIA_TYPE] = {"schema": {"type": "string", "format": "binary"}}
            responses["304"] = {"description": "Not Modified: your copy is current.", "headers": dict(ETAG)}
        for code in self._error_codes():
            if code in responses:
                continue
            responses[code] = self._get_response_for_code(
                problem_response(code), code, media_types=[PROBLEM_MEDIA_TYPE], direction=direction
            )
            if code == "429":
                responses[code]["headers"] = {
                    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
                }
            if code == "401":
                responses[code]["headers"] = {
                    "WWW-Authenticate": {"schema": {"type": "string"}, "description": "The API key scheme."}
                }
        return responses
