"""Conditional requests: ETag and Last-Modified on list and detail responses; If-None-Match and
If-Modified-Since give 304 Not Modified.

Lists of timestamped records get a weak ETag from the resource's version — the latest `modified`
of its table, one lookup on the `modified` index — plus the query string, checked before the page
is read, so a 304 costs one query. Publishing, withdrawing or editing a record moves `modified`
(the admin actions set it too), so the version moves with every change a list could show.
The page's `count` is kept per (version, filter state) by the list selector (catalogue/listing.py),
as the pages' counts are: counting a filter over a million cases costs up to a second, and the
same filters come back page after page. (This replaced a count and max(modified) of the filtered
set on every request: 173 of q1's 238 ms at a million cases.)
Other responses (details, small vocabularies, cursor pages) get a strong ETag from the body's hash.

Whole responses to anonymous GETs are cached too (`cached_response`), keyed by the version and
the normalised request, for API_RESPONSE_CACHE_SECONDS: a new version is a new key, so a publish or
withdrawal is seen at once; the time limit bounds how long a rename of a related vocabulary row
(an institution, which has no timestamp) can go unseen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Max, Model
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response

from catalogue.api.exceptions import problem_response
from catalogue.versioning import catalogue_stamps, digest, versioned_models


@dataclass(frozen=True)
class ResourceVersion:
    """A resource's version, read once per request and carried as a value: the catalogue's digest
    (every versioned model's latest `modified`), the API's version, the model, and the latest
    `modified` of the model's own table (a list's Last-Modified)."""

    catalogue: str
    api: str
    label: str
    last_modified: dt.datetime | None

    @property
    def key(self) -> str:
        """What cached bodies and ETags are keyed by."""
        return f"{self.api}|{self.label}|{self.catalogue}"


@dataclass(frozen=True)
class ListState:
    version: ResourceVersion
    etag: str

    @property
    def last_modified(self) -> dt.datetime | None:
        return self.version.last_modified


def model_version(model: type[Model]) -> ResourceVersion:
    """The version of `model`'s resource, from one query of indexed MAX() lookups. It covers every
    model a response embeds (an institution renamed, a product renamed), so cached bodies and
    ETags never outlive a change they show."""
    stamps = catalogue_stamps()
    if model._meta.label in stamps:
        last = stamps[model._meta.label]
    else:
        last = model._default_manager.order_by().aggregate(last=Max("modified"))["last"]
    api = settings.SPECTACULAR_SETTINGS["VERSION"]
    return ResourceVersion(digest(stamps), api, model._meta.label, last)


# On PostgreSQL a page's statement can carry the catalogue's stamps (each MAX() an InitPlan, run
# once per statement, not per row): the version a list's ETag and kept count need, without a
# statement of its own (CatalogueViewSet.page_response).
STAMPS = "catalogue_stamps_json"


def versioned(model: type[Model]) -> bool:
    """Whether the catalogue's version moves with `model`'s records (catalogue.versioning): only
    then can a count be kept per version, or the version be read from the page's stamps."""
    return model in versioned_models()


def stamps_sql() -> str:
    """SQL of the stamps `catalogue_stamps` reads, as one JSON array (text), in its order."""
    qn = connection.ops.quote_name
    parts = [
        f"(SELECT MAX({qn(m._meta.get_field('modified').column)}) FROM {qn(m._meta.db_table)})"
        for m in versioned_models()
    ]
    return f"(SELECT json_build_array({', '.join(parts)})::text)"


def version_of_row(row: Any, model: type[Model]) -> ResourceVersion | None:
    """The resource version from a row that carries the stamps (`STAMPS`), as model_version
    reads it: the same datetimes (ISO 8601 from PostgreSQL, in the connection's UTC), so the
    same digest."""
    text = getattr(row, STAMPS, None)
    if text is None:
        return None
    values = [None if v is None else dt.datetime.fromisoformat(v) for v in orjson.loads(text)]
    stamps = {m._meta.label: v for m, v in zip(versioned_models(), values, strict=True)}
    if model._meta.label not in stamps or any(v is not None and v.tzinfo is None for v in values):
        return None
    api = settings.SPECTACULAR_SETTINGS["VERSION"]
    return ResourceVersion(digest(stamps), api, model._meta.label, stamps[model._meta.label])


def list_state(request: HttpRequest, media_type: str, version: ResourceVersion) -> ListState:
    """The list's ETag: its resource's version, the language and the request."""
    # The language too: English orders institutions by their English names (Vary: Accept-Language).
    key = f"{version.key}|{media_type}|{get_language()}|{request.get_full_path()}"
    return ListState(version, f'W/"{hashlib.sha256(key.encode()).hexdigest()[:40]}"')


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def filter_state(request: HttpRequest) -> list[tuple[str, str]]:
    """The query's parameters in a canonical order: `?b=1&a=2` and `?a=2&b=1` are one state."""
    return sorted((k, v) for k, vs in request.GET.lists() for v in vs)


def response_cache_key(request: HttpRequest, version: str, media_type: str) -> str:
    """Everything a cached body depends on: version, representation, language and the URL
    (host included: `next` links are absolute)."""
    return "api-response:" + _digest(
        version,
        media_type,
        get_language(),
        request.scheme,
        request.get_host(),
        request.path,
        filter_state(request),
    )


def cached_response(key: str) -> HttpResponse | None:
    if not settings.API_RESPONSE_CACHE_SECONDS:  # off means not read either (a shared cache may hold some)
        return None
    hit = cache.get(key)
    if hit is None:
        return None
    content, headers = hit
    response = HttpResponse(content)
    for name, value in headers.items():
        response[name] = value
    return response


def store_response(key: str, response: HttpResponse) -> None:
    if not settings.API_RESPONSE_CACHE_SECONDS or response.status_code != 200 or response.streaming:
        return
    headers = {
        h: response[h] for h in ("Content-Type", "ETag", "Last-Modified", "Vary") if response.has_header(h)
    }
    cache.set(key, (response.content, headers), settings.API_RESPONSE_CACHE_SECONDS)


def set_validators(
    response: HttpResponse, *, etag: str | None = None, last_modified: dt.datetime | None = None
) -> None:
    if etag:
        response["ETag"] = etag
    if last_modified:
        response["Last-Modified"] = http_date(last_modified.timestamp())


def not_modified(
    request: HttpRequest, *, etag: str, last_modified: dt.datetime | None
) -> HttpResponse | None:
    """A 304 (or 412) for the request's preconditions, or None when the full response is due."""
    stub = HttpResponse()
    set_validators(stub, etag=etag, last_modified=last_modified)
    result = get_conditional_response(
        request,
        etag=etag,
        last_modified=int(last_modified.timestamp()) if last_modified else None,
        response=stub,
    )
    return None if result is stub else result


def conditional(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Give a rendered 200 its ETag (body hash) if it has none, then apply the preconditions."""
    if not response.has_header("ETag"):
        set_response_etag(response)
    last_modified = parse_http_date_safe(response.headers.get("Last-Modified", ""))
    return get_conditional_response(
        request, etag=response["ETag"], last_modified=last_modified, response=response
    )


class ConditionalMixin:
    """Conditional GETs and the whole-response cache for a DRF view: the version read once per
    request (`resource_version`), anonymous GETs of timestamped resources answered from the cache,
    every 200 given its validators and checked against the request's preconditions. The view says
    which requests may be cached (`cacheable`)."""

    _version: ResourceVersion | None = None
    _cache_key: str | None = None

    def cacheable(self, request: Request) -> bool:
        return request.method == "GET"

    def resource_version(self) -> ResourceVersion:
        if self._version is None:
            self._version = model_version(self.queryset.model)
        return self._version

    def check_request(self, request: Request) -> None:
        """Checks a view makes of the request before anything may answer it from the cache."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.check_request(request)
        # Off means no key, so no version lookup either (a record is then one statement).
        if settings.API_RESPONSE_CACHE_SECONDS and self.cacheable(request):
            version = self.resource_version().key
            self._cache_key = response_cache_key(request, version, request.accepted_media_type)

    def cached(self, request: Request) -> HttpResponse | None:
        """The cached response to this request (or its 304), or None."""
        hit = cached_response(self._cache_key) if self._cache_key else None
        return precondition(request, conditional(request, hit)) if hit is not None else None

    def finalize_response(self, request: Request, response: HttpResponse, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            request.method in ("GET", "HEAD")
            and isinstance(response, Response)
            and response.status_code == 200
        ):
            response.render()
            if self._cache_key:
                store_response(self._cache_key, response)
            return precondition(request, conditional(request, response))
        return response


def precondition(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A failed precondition as problem details; any other response as it is."""
    if response.status_code == 412:
        return problem_response(
            request, "precondition-failed", 412, _("If-Match or If-Unmodified-Since failed.")
        )
    return response
