"""Issue 20, finding 2: webhooks connect to the address that was checked (no DNS rebinding), only
to ports 80 and 443 and only to global addresses (no special-purpose range, no IPv4 hidden in an
IPv6 address); the owner sees "delivered" or "failed" and no port-scanning detail; signatures cover
a timestamp and the delivery id, so a captured delivery cannot be replayed later.

Nothing here sends traffic beyond loopback: name resolution is mocked, and connections to the
(public) pinned address are intercepted before they leave the machine."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from advisor import services, tasks, webhooks
from advisor.models import Delivery, SavedSearch
from tests.factories import confirmed_user

pytestmark = pytest.mark.django_db
PUBLIC = "93.184.215.14"  # stands for "some public address"; never connected to in these tests


def _answers(*ips: str):  # noqa: ANN202
    """A getaddrinfo that answers each call with the next address (the last one repeats)."""
    calls: list[str] = []

    def fake(host, port, *args, **kwargs):  # noqa: ANN001, ANN202
        ip = ips[min(len(calls), len(ips) - 1)]
        calls.append(host)
        family = socket.AF_INET6 if ":" in ip else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (ip, port or 0))]

    fake.calls = calls
    return fake


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        _Receiver.received.append({"headers": dict(self.headers), "body": body})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


@pytest.fixture
def receiver():  # noqa: ANN201
    """A webhook receiver on loopback, on a free port."""
    _Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _search_with_hook(url: str) -> SavedSearch:
    user = confirmed_user("hook-owner")
    return SavedSearch.objects.create(owner=user, name="h", kind="cases", webhook_url=url)


def test_dns_rebinding_connects_to_the_checked_address_only(settings, monkeypatch, receiver):
    """The name answers a public address to the check, loopback to the next lookup."""
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = False
    settings.ALERTS_WEBHOOK_PORTS = [80, 443, receiver]
    fake = _answers(PUBLIC, "127.0.0.1")
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    connected: list[tuple] = []

    def intercept(address, *args, **kwargs):  # noqa: ANN001, ANN202
        connected.append(address)
        raise ConnectionRefusedError("intercepted: not leaving the machine")

    monkeypatch.setattr(socket, "create_connection", intercept)
    search = _search_with_hook(f"http://rebind.example:{receiver}/hook")
    delivery = Delivery.objects.create(search=search, channel="webhook", payload={"records": []})
    assert not services.attempt_webhook(delivery)
    assert connected == [(PUBLIC, receiver)]  # the pinned, checked address
    assert len(fake.calls) == 1  # resolved once
    assert _Receiver.received == []  # the loopback service got nothing


def test_a_loopback_receiver_gets_host_header_and_a_verifiable_signature(settings, monkeypatch, receiver):
    settings.ALERTS_WEBHOOK_PORTS = [80, 443, receiver]  # ALERTS_ALLOW_PRIVATE_WEBHOOKS: test settings
    monkeypatch.setattr(socket, "getaddrinfo", _answers("127.0.0.1"))
    search = _search_with_hook(f"http://hooks.example:{receiver}/in?x=1")
    delivery = Delivery.objects.create(search=search, channel="webhook", payload={"records": [1]})
    assert services.attempt_webhook(delivery)
    [got] = _Receiver.received
    headers, body = got["headers"], got["body"]
    assert headers["Host"] == f"hooks.example:{receiver}"
    ts = headers["X-Catalogue-Timestamp"]
    assert abs(int(ts) - time.time()) < 60
    mac = hmac.new(search.webhook_secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["X-Catalogue-Signature-256"] == "sha256=" + mac
    # The body alone no longer verifies: a captured body cannot be re-sent with a new timestamp.
    assert headers["X-Catalogue-Signature-256"] != services.sign(search.webhook_secret, body)
    assert json.loads(body)["delivery"] == delivery.pk == int(headers["X-Catalogue-Delivery"])


def test_https_is_pinned_with_sni_and_certificate_name(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", _answers(PUBLIC))
    target = webhooks.resolve_target("https://hooks.example/in")
    seen = {}

    class FakeContext:
        def wrap_socket(self, sock, server_hostname=None):  # noqa: ANN001, ANN202
            seen["sni"] = server_hostname
            raise OSError("no TLS in this test")

    class FakeSocket:
        def close(self) -> None:
            pass

    def connect(addr, *args, **kwargs):  # noqa: ANN001, ANN202
        seen["addr"] = addr
        return FakeSocket()

    monkeypatch.setattr(socket, "create_connection", connect)
    monkeypatch.setattr(webhooks, "tls_context", FakeContext)
    with pytest.raises(OSError):
        webhooks.post(target, b"{}", {})
    assert seen == {"addr": (PUBLIC, 443), "sni": "hooks.example"}


@pytest.mark.parametrize(
    "url",
    [
        "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
        "http://[64:ff9b:1::7f00:1]/",  # local-use NAT64
        "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
        "http://[::127.0.0.1]/",  # IPv4-compatible
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
        "http://[::ffff:8.8.8.8]/",  # mapped, even of a public address: said the plain way instead
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo
        "http://[2001:db8::1]/",  # documentation
        "http://[3fff::1]/",  # documentation (RFC 9637)
        "http://192.0.2.1/",  # documentation
        "http://198.18.0.1/",  # benchmarking
        "http://[2001:2::1]/",  # benchmarking
        "http://224.0.0.1/",  # multicast
        "http://[ff02::1]/",  # multicast
        "http://192.88.99.1/",  # 6to4 relay anycast
        "http://100.64.0.1/",  # shared address space
        "http://0.0.0.0/",
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://169.254.169.254/",
        "http://8.8.8.8:22/",  # any port but 80 and 443
        "https://8.8.8.8:8443/",
        "http://user:pass@8.8.8.8/",  # credentials in the address would be sent along
        "ftp://8.8.8.8/",
    ],
)
def test_special_purpose_addresses_and_other_ports_are_refused(settings, url):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = False
    with pytest.raises(ValidationError):
        services.check_webhook_url(url)


def test_a_name_resolving_to_any_refused_address_is_refused(settings, monkeypatch):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = False
    monkeypatch.setattr(socket, "getaddrinfo", _answers("64:ff9b::a00:1"))
    with pytest.raises(ValidationError):
        services.check_webhook_url("https://sneaky.example/")


def test_public_addresses_on_80_and_443_are_accepted(settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = False
    services.check_webhook_url("http://8.8.8.8/hook")
    services.check_webhook_url("https://[2606:4700:4700::1111]:443/hook")


def test_loopback_is_allowed_only_by_the_test_setting_and_nothing_else_private(settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    services.check_webhook_url("http://127.0.0.1/hook")
    for url in ("http://10.0.0.5/", "http://169.254.169.254/", "http://[64:ff9b::7f00:1]/"):
        with pytest.raises(ValidationError):
            services.check_webhook_url(url)


def test_the_owner_sees_only_delivered_or_failed(monkeypatch, settings):
    settings.ALERTS_WEBHOOK_PORTS = [80, 443, 9]
    monkeypatch.setattr(socket, "getaddrinfo", _answers("127.0.0.1"))
    search = _search_with_hook("http://127.0.0.1:9/closed-port")
    delivery = Delivery.objects.create(search=search, channel="webhook", payload={})
    tasks.deliver_webhook.delay(delivery.pk)  # port 9 on loopback: refused, retried, given up
    client = Client()
    client.force_login(search.owner)
    page = client.get(f"/saved/{search.pk}/edit/").content.decode()
    assert "Connection refused" not in page and "Errno" not in page and "111" not in page
    assert "失败" in page  # "failed", in the owner's language


def test_hostile_webhook_urls_get_a_message_and_nothing_is_stored(settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = False
    search = _search_with_hook("")
    client = Client()
    client.force_login(search.owner)
    for url in ("http://8.8.8.8:22/", "http://[64:ff9b::7f00:1]/", "http://x.example/\r\nHost: evil"):
        r = client.post(f"/saved/{search.pk}/edit/", {"name": "new name", "webhook_url": url})
        assert r.status_code == 200 and "errorlist" in r.content.decode()
        search.refresh_from_db()
        assert search.webhook_url == "" and search.name == "h"
