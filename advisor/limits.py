"""Rate limits of the account pages that send mail (sign-up, confirmation, password reset): fixed
windows counted in the shared cache (Redis in production, with catalogue.resilience's per-process
fallback so a Redis outage does not lift them), per client address and per email address."""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip

from catalogue.resilience import throttle_cache


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind API_NUM_PROXIES trusted proxies the address
    they saw (django-ipware reads X-Forwarded-For from the right by that count)."""
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0)
    if not proxies:
        # No proxy in front: forwarded headers come from the client itself and prove nothing.
        return request.META.get("REMOTE_ADDR", "") or "unknown"
    ip, _routable = get_client_ip(request, proxy_order="right-most", proxy_count=proxies)
    return ip or request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(scope: str, ident: str, limit: tuple[int, int]) -> bool:
    """Count one event for `ident` in `scope`; False once more than `limit` = (count, seconds)
    happened in the current window. Identities are hashed: no email address in cache keys."""
    count, window = limit
    digest = hashlib.sha256(ident.strip().lower().encode()).hexdigest()[:32]
    key = f"advisor-limit:{scope}:{digest}:{int(time.time() // window)}"
    n = (throttle_cache.get(key) or 0) + 1
    throttle_cache.set(key, n, window)
    return n <= count
