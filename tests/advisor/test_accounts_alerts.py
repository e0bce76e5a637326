"""Accounts, shortlists shared read-only, saved searches and their alerts: a new published case
that matches a saved search gives exactly one email and one signed webhook, and a second run
sends nothing new."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import socket

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import Client

from advisor import services, tasks
from advisor.models import Delivery, SavedSearch, Shortlist
from institutions.models import Region
from products.models import Case, Product

pytestmark = pytest.mark.django_db
PASSWORD = "Long-pass-9981"


@pytest.fixture(autouse=True)
def _fresh_counters():  # noqa: ANN202
    cache.clear()  # sign-up rate-limit counters live in the cache
    yield
    cache.clear()


@pytest.fixture
def rm(client: Client) -> Client:
    r = client.post(
        "/accounts/signup/",
        {"username": "rm1", "email": "rm1@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert r.status_code == 302
    # Alerts go only to a confirmed address: follow the link mailed at sign-up.
    [confirmation] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/confirm/\S+)", confirmation.body).group(1)
    assert Client().post(link).status_code == 200
    mail.outbox.clear()
    return client


def test_sign_up_in_out(client):
    assert client.get("/accounts/signup/").status_code == 200
    User.objects.create_user("a", "a@example.com", PASSWORD)
    assert client.post("/accounts/login/", {"username": "a", "password": PASSWORD}).status_code == 302
    assert client.get("/shortlists/").status_code == 200
    assert client.post("/accounts/logout/").status_code in (200, 302)
    assert client.get("/shortlists/").status_code == 302  # to the sign-in page


def test_shortlist_with_notes_shared_read_only(rm):
    p = Product.objects.published().first()
    r = rm.post("/shortlists/add/", {"product": p.pk, "title": "杭州某数据公司"})
    sl = Shortlist.objects.get(title="杭州某数据公司")
    item = sl.items.get()
    rm.post(f"/shortlists/{sl.pk}/", {f"note-{item.pk}": "利率待确认"})
    # Shared by the owner's choice, notes included only when ticked.
    rm.post(f"/shortlists/{sl.pk}/share/", {"action": "share", "share_notes": "on"})
    other = Client()
    shared = other.get(f"/shortlists/shared/{sl.token}/").content.decode()
    assert p.name in shared and "利率待确认" in shared and "<textarea" not in shared
    assert other.get(f"/shortlists/{sl.pk}/").status_code == 302
    assert r.status_code == 302


def _new_case_in(province: Region) -> Case:
    product = Product.objects.published().filter(institution__isnull=False).first()
    return Case.objects.create(
        key="test-alert-case",
        product=product,
        institution=product.institution,
        province=province,
        date=dt.date(2026, 1, 5),
        status="published",
    )


def test_new_case_gives_one_email_and_one_signed_webhook(rm, monkeypatch, django_capture_on_commit_callbacks):
    province = Region.objects.get(code="330000")
    # hooks.example resolves to a public address here; nothing connects to it (fake transport).
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))],
    )
    rm.post("/saved/", {"kind": "cases", "query": "province=330000", "name": "浙江案例"})
    search = SavedSearch.objects.get(name="浙江案例")
    rm.post(
        f"/saved/{search.pk}/edit/",
        {"name": "浙江案例", "email_alerts": "on", "webhook_url": "http://hooks.example/in"},
    )
    search.refresh_from_db()
    assert search.webhook_url
    calls = []

    def fake(url, body, headers):
        calls.append((url, body, headers))
        return 500 if len(calls) == 1 else 204  # the first try fails: retried

    monkeypatch.setattr(services, "transport", fake)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_digests() == 0  # nothing new since saving
    assert not mail.outbox and not calls

    case = _new_case_in(province)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_digests()
    assert len(mail.outbox) == 1
    msg = mail.outbox[0]
    assert msg.to == ["rm1@example.com"] and f"/cases/{case.pk}/" in msg.body
    assert (
        f"/saved/{search.unsubscribe_token}/unsubscribe/" in msg.body
        and "List-Unsubscribe" in msg.extra_headers
    )
    assert len(calls) == 2  # one webhook, delivered on its second try
    url, body, headers = calls[-1]
    signed = headers["X-Catalogue-Timestamp"].encode() + b"." + body
    expected = "sha256=" + hmac.new(search.webhook_secret.encode(), signed, hashlib.sha256).hexdigest()
    assert headers["X-Catalogue-Signature-256"] == expected
    assert [r["id"] for r in json.loads(body)["records"]] == [case.pk]
    hook = Delivery.objects.get(search=search, channel="webhook")
    assert hook.status == "sent" and hook.attempts == 2 and hook.response_code == 204

    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_digests()
    assert len(mail.outbox) == 1 and len(calls) == 2

    feed = rm.get(f"/saved/{search.token}/feed/")
    assert (
        feed.status_code == 200
        and "atom" in feed["Content-Type"]
        and f"/cases/{case.pk}/" in feed.content.decode()
    )
    # The unsubscribe link stops the emails.
    Client().post(f"/saved/{search.unsubscribe_token}/unsubscribe/")
    search.refresh_from_db()
    assert not search.email_alerts


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://10.0.0.5/x",
        "http://[::1]/x",
        "ftp://example.com/x",
        "http://169.254.169.254/",
    ],
)
def test_webhook_targets_must_be_public(settings, url):
    from django.core.exceptions import ValidationError

    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = False
    with pytest.raises(ValidationError):
        services.check_webhook_url(url)


def test_saving_needs_an_account_and_bad_kinds_are_refused(client, rm):
    assert Client().post("/saved/", {"kind": "cases", "query": ""}).status_code == 302
    r = rm.post("/saved/", {"kind": "secrets", "query": ""})
    assert r.status_code == 302 and not SavedSearch.objects.filter(kind="secrets").exists()
    assert rm.get("/saved/not-a-token/feed/").status_code == 404
