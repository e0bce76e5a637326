"""Conditional requests: ETag and Last-Modified on list and detail responses; If-None-Match and
If-Modified-Since give 304 Not Modified.

Lists of timestamped records get a weak ETag from one aggregate (count and latest `modified` of the
filtered set, plus the query string), checked before the page is read, so a 304 costs one query.
Other responses (details, small vocabularies, cursor pages) get a strong ETag from the body's hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.http import http_date, parse_http_date_safe


@dataclass(frozen=True)
class ListState:
    count: int
    last_modified: dt.datetime | None
    etag: str


def list_state(queryset: QuerySet, request: HttpRequest, media_type: str) -> ListState:
    """Count and latest change of the filtered list in ONE query, and the ETag derived from them."""
    stats = queryset.order_by().aggregate(n=Count("pk"), last=Max("modified"))
    version = settings.SPECTACULAR_SETTINGS["VERSION"]
    last = stats["last"].isoformat() if stats["last"] else "-"
    key = f"{version}|{media_type}|{request.get_full_path()}|{stats['n']}|{last}"
    return ListState(stats["n"], stats["last"], f'W/"{hashlib.sha256(key.encode()).hexdigest()[:40]}"')


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
