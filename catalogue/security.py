"""Browser protections django and django-csp leave out, and a rate limit for the list pages."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.urls import Resolver404, resolve
from rest_framework.throttling import SimpleRateThrottle

from catalogue.client_address import client_address
from catalogue.resilience import OneTripThrottle, throttle_cache


class PermissionsPolicyMiddleware:
    """Permissions-Policy: the catalogue needs no camera, location, payment or other device API."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class PageThrottle(OneTripThrottle, SimpleRateThrottle):
    """Per client address, like the API's anonymous throttle; counters shared through Redis."""

    scope = "pages"
    cache = throttle_cache

    def get_rate(self) -> str:
        return settings.PAGE_RATE

    def get_ident(self, request) -> str:
        return client_address(request)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


# The costly pages: faceted lists and the search. Details and static files are not limited.
LIMITED = {"product-list", "case-list", "policy-list", "institution-list", "results"}


class PageRateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD") and not request.path.startswith("/api/"):
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name in LIMITED:
                throttle = PageThrottle()
                # Counted per client address (catalogue.client_address: proxy hops honoured).
                if not throttle.allow_request(request, None):
                    wait = int(throttle.wait() or 1)
                    response = HttpResponse(
                        loader.render_to_string("429.html", {"wait": wait}, request), status=429
                    )
                    response["Retry-After"] = str(wait)
                    return response
        return self.get_response(request)
