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
from rest_framework import serializers

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
    "ordering or body field is wrong (each listed in `errors` with its `field`); or the JSON is malformed; "
    "or a path value or parameter holds a control character such as NUL (`field`: `path` or the parameter).",
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
        "detail": "Province (province): Select a valid choice. That choice is not one of the available choices.",
        "instance": "/api/v1/cases/?province=999999",
        "errors": [
            {
                "field": "province",
                "message": "Select a valid choice. That choice is not one of the available choices.",
            }
        ],
        "province": ["Select a valid choice. That choice is not one of the available choices."],
    },
    "401": {
        "type": problem_type("authentication-failed"),
        "title": "Invalid API key",
        "status": 401,
        "detail": "The API key is unknown or revoked.",
        "instance": "/api/v1/products/",
        "errors": [{"field": "X-API-Key", "message": "The API key is unknown or revoked."}],
    },
    "403": {
        "type": problem_type("missing-scope"),
        "title": "Not allowed with this API key",
        "status": 403,
        "detail": "This operation needs an API key with the submit scope.",
        "instance": "/api/v1/submissions/",
        "errors": [
            {"field": "X-API-Key", "message": "This operation needs an API key with the submit scope."}
        ],
    },
    "404": {
        "type": problem_type("not-found"),
        "title": "Not found",
        "status": 404,
        "detail": "Page 9 is past the last page (3).",
        "instance": "/api/v1/cases/?page=9",
        "errors": [{"field": "page", "message": "Page 9 is past the last page (3)."}],
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


# The shape of a record named by its slug or GB/T 2260 code, by the field a filter matches on.
REFERENCE_PATTERNS = {"slug": "[a-z0-9]+(?:-[a-z0-9]+)*", "code": "[0-9]{6}"}
# Filters whose methods leave drf-spectacular no model field to read a type from.
FILTER_TYPES = {
    django_filters.NumberFilter: OpenApiTypes.NUMBER,
    django_filters.DateFilter: OpenApiTypes.DATE,
    django_filters.CharFilter: OpenApiTypes.STR,
}


def _anchored(pattern: str) -> str:
    return f"^(?:{pattern})$"


def no_empty_values(parameters: list[dict[str, Any]]) -> None:
    """An empty query value (`page=`, `date_before=`) is a 400 on the API (see
    CatalogueViewSet.initial): every query string parameter, and every item of an array one,
    is at least one character long."""
    for p in parameters:
        if p.get("in") != "query":
            continue
        schema = p.get("schema") or {}
        target = schema.get("items", {}) if schema.get("type") == "array" else schema
        if target.get("type") == "string" and "enum" not in target and "format" not in target:
            target.setdefault("minLength", 1)


def constrain(filter_field: django_filters.Filter, schema: dict[str, Any]) -> None:
    """Say in the schema what the filter's form field accepts (ids from 1, bounds, lengths,
    patterns), so a generated "valid" value is one the server takes. A reference to a record
    that does not exist remains a 400 (documented on every list operation)."""
    extra = filter_field.extra
    kind = schema.get("type")
    if kind in ("number", "integer"):
        if extra.get("min_value") is not None:
            schema["minimum"] = extra["min_value"]
        if extra.get("max_value") is not None:
            schema["maximum"] = extra["max_value"]
    if kind == "string" and "format" not in schema and "enum" not in schema:
        if extra.get("max_length"):
            schema["maxLength"] = extra["max_length"]
        for validator in extra.get("validators", ()):
            regex = getattr(validator, "regex", None)
            if regex is not None:
                schema["pattern"] = _anchored(regex.pattern.lstrip("^").rstrip("$"))


class CatalogueFilterExtension(DjangoFilterExtension):
    """django-filter parameters, with fixes: a choice of related rows by slug or code
    (`theme=green-finance`) is a string of that shape, an id an integer from 1; bounds, lengths
    and patterns of the form fields are stated. Descriptions come from each filter's `help_text`,
    the one place a filter parameter is documented."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        to_field = filter_field.extra.get("to_field_name")
        if isinstance(filter_field, django_filters.ModelMultipleChoiceFilter):
            # Every item names a record: an empty item is an error, not "no filter".
            item = build_basic_type(OpenApiTypes.STR)
            item["pattern"] = f"^{REFERENCE_PATTERNS.get(to_field, '.+')}$"
            shape = {"schema": build_array_type(item), "explode": True, "style": "form"}
        elif isinstance(filter_field, django_filters.ModelChoiceFilter):
            if to_field:
                schema = build_basic_type(OpenApiTypes.STR)
                schema["pattern"] = _anchored(REFERENCE_PATTERNS.get(to_field, ".+"))
            else:
                schema = {**build_basic_type(OpenApiTypes.INT), "minimum": 1}
            shape = {"schema": schema}
        else:
            result = super().resolve_filter_field(
                auto_schema, model, filterset_class, field_name, filter_field
            )
            for p in result:
                if not p.get("schema"):
                    kind = next((t for c, t in FILTER_TYPES.items() if isinstance(filter_field, c)), None)
                    if kind is not None:
                        p["schema"] = build_basic_type(kind)
                if p.get("schema"):
                    constrain(filter_field, p["schema"])
            return result
        description = self._get_field_description(filter_field, None)
        return [
            build_parameter_type(
                name=field_name, required=False, location="query", description=description, **shape
            )
        ]


SOLID = r"[^\s\x00]"
TRIMMED_PREFIX = rf"^\s*{SOLID}"


def trimmed_text_pattern(least: int, most: int | None) -> str:
    """Text a CharField takes: it trims surrounding spaces and then checks blankness and length,
    and refuses NUL characters; so the bounds apply to what is between the outer spaces."""
    char, solid = r"[^\x00]", SOLID
    if most is not None and most < 2:
        return rf"^\s*{solid}\s*$"
    upper = "" if most is None else most - 2
    if least <= 1:
        return rf"^\s*{solid}(?:{char}{{0,{upper}}}{solid})?\s*$"
    return rf"^\s*{solid}{char}{{{least - 2},{upper}}}{solid}\s*$"


def positive_decimal_pattern(field: serializers.DecimalField) -> str | None:
    """drf-spectacular's decimal pattern admits "-1" and "."; a field with a positive minimum
    of one cent and a power-of-ten maximum (the submission's amount) is described exactly."""
    low, high = field.min_value, field.max_value
    if field.decimal_places != 2 or low is None or high is None or str(low) != "0.01":
        return None
    digits = len(str(int(high))) - 1  # 1000000000000 → at most 12 digits before the point
    if str(int(high)) != "1" + "0" * digits:
        return None
    number = rf"[1-9][0-9]{{0,{digits - 1}}}(?:\.[0-9]{{1,2}})?|0?\.(?:0[1-9]|[1-9][0-9]?)"
    # DRF strips the text first, and reads a blank one as null where null is allowed.
    return rf"^\s*(?:{number}){'?' if field.allow_null else ''}\s*$"


def problem_response(code: str) -> OpenApiResponse:
    examples = []
    if code in PROBLEM_EXAMPLES:
        examples = [
            OpenApiExample(f"problem {code}", value=PROBLEM_EXAMPLES[code], media_type=PROBLEM_MEDIA_TYPE)
        ]
    return OpenApiResponse(ProblemSerializer, description=ERROR_DOCS[code], examples=examples)


# The v1 extension members of a validation problem (catalogue.api.exceptions): one per failed
# top-level input, named after it, holding the same messages as its `errors` entries.
PROBLEM_FIELD_MEMBERS = {
    # A top-level input's messages; a nested body part (a list of sources, the case) keeps DRF's
    # shape for it: messages by inner field, or one entry per list item.
    "anyOf": [
        {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
        {"type": "object"},
    ],
    "description": "Validation problems only (v1 compatibility): one member per failed top-level "
    "input, named after it (`page_size`, `province`), with that input's messages as in `errors` "
    "(for a body part, DRF's nested messages). Prefer `errors`, which also names inputs inside the "
    "body.",
}


class CatalogueAutoSchema(AutoSchema):
    def _is_list(self) -> bool:
        return getattr(self.view, "action", None) == "list"

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        result = super()._map_serializer(serializer, direction, bypass_extensions)
        if isinstance(serializer, ProblemSerializer):
            result["additionalProperties"] = PROBLEM_FIELD_MEMBERS
        return result

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        result = super()._map_serializer_field(field, direction, bypass_extensions)
        # drf-spectacular states bounds of a ListField but not of a nested `many=True` serializer.
        if isinstance(field, serializers.ListSerializer) and result.get("type") == "array":
            if field.min_length is not None:
                result["minItems"] = field.min_length
            if field.max_length is not None:
                result["maxItems"] = field.max_length
        trimmed = isinstance(field, serializers.CharField) and field.trim_whitespace and not field.allow_blank
        if trimmed and direction == "request" and result.get("type") == "string" and "pattern" not in result:
            result["pattern"] = trimmed_text_pattern(field.min_length or 1, field.max_length)
        if direction == "request" and isinstance(field, serializers.DecimalField):
            positive = positive_decimal_pattern(field)
            if positive:
                result["pattern"] = positive
        return result

    def _insert_field_validators(self, field, schema: dict[str, Any]) -> None:
        super()._insert_field_validators(field, schema)
        if schema.get("pattern", "").startswith(TRIMMED_PREFIX):
            # The pattern bounds the trimmed text; lengths of the raw string would contradict it.
            schema.pop("minLength", None)
            schema.pop("maxLength", None)

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation:
            no_empty_values(operation.get("parameters", []))
        return operation

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
        # 400 on every operation: a control character in any path value or query parameter is
        # refused before the view (catalogue.middleware.ControlCharactersMiddleware).
        codes = ["400", "401", "406", "429"]
        if self.method == "POST":
            codes += ["413", "415"]
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
