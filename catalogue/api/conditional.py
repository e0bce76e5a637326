"""Conditional requests: ETag and Last-Modified on list and detail responses; If-None-Match and
If-Modified-Since give 304 Not Modified.

Lists of timestamped records get a weak ETag from the resource's version — the latest `modified`
of its table, one lookup on the `modified` index — plus the query string, checked before the page
is read, so a 304 costs one query. Publishing, withdrawing or editing a record moves `modified`
(the admin actions set it too), so the version moves with every change a list could show.
The page's `count` is cached per (version, filter state): counting a filter over a million cases
costs up to a second, and the same filters come back page after page. (This replaced a count and
max(modified) of the filtered set on every request: 173 of q1's 238 ms at a million cases.)
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

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import get_language

from catalogue.versioning import catalogue_stamps, digest

# Query parameters that change the page shown but not which records match.
NOT_FILTERS = {"page", "page_size", "ordering", "format"}


@dataclass(frozen=True)
class ListState:
    version: str
    last_modified: dt.datetime | None
    etag: str


def model_version(model: type[Model]) -> tuple[str, dt.datetime | None]:
    """(version string, latest `modified` of the model's own table), from one query of indexed
    MAX() lookups. The version covers every model a response embeds (an institution renamed, a
    product renamed), so cached bodies and ETags never outlive a change they show."""
    stamps = catalogue_stamps()
    if model._meta.label in stamps:
        last = stamps[model._meta.label]
    else:
        last = model._default_manager.order_by().aggregate(last=Max("modified"))["last"]
    api = settings.SPECTACULAR_SETTINGS["VERSION"]
    return f"{api}|{model._meta.label}|{digest(stamps)}", last


def list_state(
    queryset: QuerySet, request: HttpRequest, media_type: str, version: tuple | None = None
) -> ListState:
    """The resource's version (looked up unless given) and the list's ETag, from one query."""
    version, last = version or model_version(queryset.model)
    # The language too: English orders institutions by their English names (Vary: Accept-Language).
    key = f"{version}|{media_type}|{get_language()}|{request.get_full_path()}"
    return ListState(version, last, f'W/"{hashlib.sha256(key.encode()).hexdigest()[:40]}"')


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def filter_state(request: HttpRequest) -> list[tuple[str, str]]:
    """The query's parameters in a canonical order: `?b=1&a=2` and `?a=2&b=1` are one state."""
    return sorted((k, v) for k, vs in request.GET.lists() for v in vs)


def cached_count(queryset: QuerySet, request: HttpRequest, state: ListState) -> int:
    """The filtered count, computed once per (version, filter state)."""
    filters = [(k, v) for k, v in filter_state(request) if k not in NOT_FILTERS]
    key = "api-count:" + _digest(state.version, request.path, filters)
    count = cache.get(key)
    if count is None:
        count = queryset.count()
        cache.set(key, count, settings.API_COUNT_CACHE_SECONDS)
    return count


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
