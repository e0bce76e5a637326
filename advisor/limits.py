"""Rate limits of the account pages that send mail (sign-up, confirmation, password reset): fixed
windows counted in the shared cache (Redis in production, with catalogue.resilience's per-process
fallback so a Redis outage does not lift them), per client address and per email address."""

from __future__ import annotations

import hashlib
import time

from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

from catalogue.resilience import throttle_cache


def client_address(request: HttpRequest) -> str:
    """The client's address as the API and page throttles see it: DRF's `get_ident`, which reads
    REMOTE_ADDR, or behind API_NUM_PROXIES trusted proxies the X-Forwarded-For entry that many
    from the right (entries further left are the client's own claims). One rule for every limit;
    django-ipware 8 counts proxies differently (and answers nothing for a count of 0)."""
    return BaseThrottle().get_ident(request) or "unknown"


def hit(scope: str, ident: str, limit: tuple[int, int]) -> bool:
    """Count one event for `ident` in `scope`; False once more than `limit` = (count, seconds)
    happened in the current window. Identities are hashed: no email address in cache keys."""
    count, window = limit
    digest = hashlib.sha256(ident.strip().lower().encode()).hexdigest()[:32]
    key = f"advisor-limit:{scope}:{digest}:{int(time.time() // window)}"
    n = (throttle_cache.get(key) or 0) + 1
    throttle_cache.set(key, n, window)
    return n <= count
