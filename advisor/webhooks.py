"""Where a webhook may go, and the POST that goes there.

A target is resolved once: every address the name answers must be allowed, and the connection
goes to the first of them (pinned), with the name sent as Host and as TLS SNI and checked against
the certificate. Resolving again to connect (as urllib does) would let a name answer a public
address to the check and 127.0.0.1 to the connection (DNS rebinding).

Allowed: global unicast addresses (`ipaddress`' `is_global`), never an IPv6 address that carries
an IPv4 one (mapped, compatible, 6to4, Teredo, NAT64: the IPv4 inside may be loopback or private,
and gateways deliver to it), never multicast, documentation or benchmarking ranges, and only the
ports in ALERTS_WEBHOOK_PORTS (80 and 443). ALERTS_ALLOW_PRIVATE_WEBHOOKS (tests and CI's loopback
receiver only) adds loopback and nothing else.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
TIMEOUT = 10  # seconds, to connect and for each read

# Ranges `is_global` lets through in some Python versions, or that embed an IPv4 address.
REFUSED_NETWORKS = [
    ipaddress.ip_network(n)
    for n in (
        "::/96",  # IPv4-compatible (deprecated), and :: itself
        "::ffff:0:0/96",  # IPv4-mapped
        "64:ff9b::/96",  # NAT64, well-known prefix
        "64:ff9b:1::/48",  # NAT64, local use
        "2001::/32",  # Teredo
        "2002::/16",  # 6to4
        "192.88.99.0/24",  # 6to4 relay anycast
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation (RFC 9637)
        "192.0.2.0/24",  # documentation
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "198.18.0.0/15",  # benchmarking
        "2001:2::/48",  # benchmarking
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "5f00::/16",  # SRv6 segment identifiers
    )
]
LOOPBACK = [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]


@dataclass(frozen=True)
class Target:
    """A checked webhook address: where to connect (`ip`, `port`) and what to ask for there."""

    url: str
    scheme: str
    host: str  # the name as written (or the IP literal), sent as Host and SNI
    port: int
    path: str  # path and query
    ip: str

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def address_allowed(ip: IPAddress) -> bool:
    if getattr(settings, "ALERTS_ALLOW_PRIVATE_WEBHOOKS", False) and any(ip in n for n in LOOPBACK):
        return True
    if ip.is_multicast or any(ip.version == n.version and ip in n for n in REFUSED_NETWORKS):
        return False
    return ip.is_global


def _refused() -> ValidationError:
    # One message for every refusal: which rule matched would tell a prober what lies behind.
    return ValidationError(
        _("Webhooks go only to public addresses on the standard ports (80, 443)."), code="invalid"
    )


def resolve_target(url: str) -> Target:
    """The checked target of `url`, or ValidationError. Resolves the host name once."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError(_("Enter a valid URL."), code="invalid") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Use an http or https address."), code="invalid")
    if parts.username or parts.password:
        raise ValidationError(_("Leave user name and password out of the address."), code="invalid")
    if port not in getattr(settings, "ALERTS_WEBHOOK_PORTS", (80, 443)):
        raise _refused()
    host = parts.hostname
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise ValidationError(_("This host name does not resolve."), code="invalid") from None
    ips = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not ips or not all(address_allowed(ip) for ip in ips):
        raise _refused()
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(url=url, scheme=parts.scheme, host=host, port=port, path=path, ip=str(ips[0]))


def tls_context() -> ssl.SSLContext:
    """Certificates verified against the host name (not the pinned IP)."""
    return ssl.create_default_context()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target) -> None:
        super().__init__(target.ip, target.port, timeout=TIMEOUT)

    def connect(self) -> None:
        # An address, not a name: create_connection resolves nothing more.
        self.sock = socket.create_connection((self.host, self.port), self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    def __init__(self, target: Target) -> None:
        super().__init__(target)
        self.server_hostname = target.host

    def connect(self) -> None:
        super().connect()
        self.sock = tls_context().wrap_socket(self.sock, server_hostname=self.server_hostname)


def post(target: Target, body: bytes, headers: dict[str, str]) -> int:
    """POST `body` to the pinned address of `target`; returns the HTTP status. Redirects are not
    followed (a checked public target could point on to a private one)."""
    cls = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    conn = cls(target)
    try:
        conn.request("POST", target.path, body=body, headers={**headers, "Host": target.host_header})
        response = conn.getresponse()
        response.read(64 * 1024)  # a little of the answer, so the receiver is not cut off mid-write
        return response.status
    finally:
        conn.close()
