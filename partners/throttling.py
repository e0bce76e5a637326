"""Rate limits: per IP without a key, per key with one (higher), and for submissions per key.
429 responses carry Retry-After (seconds). Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
and are read on every request, so settings overrides (and tests) take effect at once."""

from __future__ import annotations

from rest_framework import throttling
from rest_framework.settings import api_settings

from catalogue.client_address import client_address
from catalogue.resilience import OneTripThrottle, throttle_cache
from partners.models import ApiKey


class LiveRateMixin(OneTripThrottle):
    """DRF binds THROTTLE_RATES at import time; read the current settings instead."""

    scope: str
    # Counters shared by every worker through Redis, counted per process while it is down.
    cache = throttle_cache

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request) -> str:
        # The same client address the admin lockout and the access log use (API_NUM_PROXIES).
        return client_address(request)


class AnonRateThrottle(LiveRateMixin, throttling.AnonRateThrottle):
    """Requests without a key, counted per client IP."""

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ApiKeyRateThrottle(LiveRateMixin, throttling.SimpleRateThrottle):
    """Requests with a key, counted per key (not per IP: a partner may run many workers)."""

    scope = "key"

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class SubmissionRateThrottle(ApiKeyRateThrottle):
    """New submissions per key; reading one's submissions counts only against the key's rate."""

    scope = "submission"

    def get_cache_key(self, request, view) -> str | None:
        return super().get_cache_key(request, view) if request.method == "POST" else None
