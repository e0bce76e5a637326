"""The client's address, decided in one place for the admin lockout (django-axes), the API and page
throttles and the access log.

Behind API_NUM_PROXIES reverse proxies, each proxy appends the address it received the request
from to X-Forwarded-For, so the client is the API_NUM_PROXIES-th entry from the right; anything
to its left was written by the client and is not trusted. Without proxies (the default) the
header is the client's to forge and REMOTE_ADDR is the answer. With API_TRUSTED_PROXIES set, the
header is read only on requests whose REMOTE_ADDR is one of those networks, so a request that
reaches the app around the proxy cannot choose its own address.

django-ipware (python-ipware underneath) parses the header: IPv6, bracketed ports, junk entries.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _from_trusted_proxy(remote: str) -> bool:
    trusted = tuple(getattr(settings, "API_TRUSTED_PROXIES", ()))
    if not trusted:
        return True  # the proxy count alone is the contract
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return False
    return any(address in network for network in _networks(trusted))


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent `request`, as far as our own proxies vouch for it."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "API_NUM_PROXIES", 0))
    if proxies <= 0 or not request.META.get(FORWARDED_FOR) or not _from_trusted_proxy(remote):
        return remote
    # python-ipware counts the proxies inside the header (REMOTE_ADDR, the last proxy, is not in
    # it), and non-strict mode takes the entry at that position from the right even when the
    # client prepended entries of its own.
    address, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=proxies - 1,
        request_header_order=[FORWARDED_FOR],
        strict=False,
    )
    return address or remote
