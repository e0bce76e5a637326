"""Issue 20, finding 4: no mail bombing. Sign-up and password reset are rate-limited per client
and per address; an address receives nothing (digests included) until its owner follows a
signed, expiring confirmation link; a reset sends one mail per address per window, whatever the
number of accounts sharing it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import Client

from advisor import services, tasks
from advisor.models import SavedSearch
from institutions.models import Region
from products.models import Case, Product
from tests.factories import confirmed_user

pytestmark = pytest.mark.django_db
PASSWORD = "Long-pass-9981"


@pytest.fixture(autouse=True)
def _fresh_counters():  # noqa: ANN202
    cache.clear()  # rate-limit counters live in the cache
    yield
    cache.clear()


def _signup(client: Client, username: str, email: str, ip: str = "198.51.100.7"):  # noqa: ANN202
    return client.post(
        "/accounts/signup/",
        {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD},
        REMOTE_ADDR=ip,
    )


def _link(message: mail.EmailMessage, pattern: str) -> str:
    return re.search(r"https?://[^/\s]+(/" + pattern + r"[^\s]*)", message.body).group(1)


def test_signup_is_rate_limited_per_client(settings):
    settings.ACCOUNTS_SIGNUP_LIMITS = {"client": (3, 3600), "address": (3, 86400)}
    for i in range(3):
        assert _signup(Client(), f"u{i}", f"u{i}@example.com").status_code == 302
    r = _signup(Client(), "u9", "u9@example.com")
    assert r.status_code == 429 and not User.objects.filter(username="u9").exists()
    assert "稍后" in r.content.decode()  # "try again later", in the user's language
    # With no trusted proxy configured, a forged X-Forwarded-For is no way around the limit.
    r = Client().post(
        "/accounts/signup/",
        {"username": "u8", "email": "u8@example.com", "password1": PASSWORD, "password2": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert r.status_code == 429
    assert _signup(Client(), "u9", "u9@example.com", ip="198.51.100.8").status_code == 302


def test_signup_is_rate_limited_per_address(settings):
    settings.ACCOUNTS_SIGNUP_LIMITS = {"client": (100, 3600), "address": (2, 86400)}
    for i in range(5):
        _signup(Client(), f"v{i}", "victim@example.test", ip=f"198.51.100.{i + 1}")
    assert len([m for m in mail.outbox if m.to == ["victim@example.test"]]) == 2
    assert User.objects.filter(email="victim@example.test").count() == 2


def test_an_address_gets_no_digest_until_confirmed(django_capture_on_commit_callbacks):
    client = Client()
    assert _signup(client, "rm", "stranger@example.test").status_code == 302
    [confirmation] = mail.outbox
    assert "/accounts/confirm/" in confirmation.body
    search = SavedSearch.objects.create(
        owner=User.objects.get(username="rm"), name="n", kind="cases", query="province=330000"
    )
    services.mark_seen(search, services.current_records(search))
    product = Product.objects.published().filter(institution__isnull=False).first()
    Case.objects.create(
        key="confirm-case",
        product=product,
        institution=product.institution,
        province=Region.objects.get(code="330000"),
        date=dt.date(2026, 1, 5),
        status="published",
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_digests()
    assert len(mail.outbox) == 1  # only the confirmation: the stranger got no digest
    # The owner confirms (the link works signed out too, from the mail).
    r = Client().get(_link(confirmation, "accounts/confirm/"))
    assert r.status_code == 200
    r = Client().post(_link(confirmation, "accounts/confirm/"))
    assert r.status_code in (200, 302)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_digests()
    assert [m.to for m in mail.outbox[1:]] == [["stranger@example.test"]]


def test_the_confirmation_link_is_signed_and_expires(settings):
    _signup(Client(), "rm", "rm@example.com")
    path = _link(mail.outbox[0], "accounts/confirm/")
    user = User.objects.get(username="rm")
    assert Client().post(path[:-3] + "xx/").status_code == 400  # tampered
    settings.ACCOUNTS_CONFIRM_MAX_AGE = -1
    assert Client().post(path).status_code == 400  # expired
    assert not services.email_confirmed(user)
    settings.ACCOUNTS_CONFIRM_MAX_AGE = 3600
    Client().post(path)
    assert services.email_confirmed(user)
    # Changing the address needs a new confirmation.
    user.email = "other@example.com"
    user.save()
    assert not services.email_confirmed(user)


def test_an_address_confirmed_by_one_account_cannot_be_confirmed_by_another():
    confirmed_user("first", "shared@example.com")
    _signup(Client(), "second", "shared@example.com")
    Client().post(_link(mail.outbox[-1], "accounts/confirm/"))
    assert not services.email_confirmed(User.objects.get(username="second"))


def test_ten_resets_for_an_address_shared_by_twenty_accounts_send_one_mail():
    for i in range(20):  # as the database may hold them from before confirmation existed
        confirmed_user(f"same{i}", "victim@example.test")
    for _ in range(10):
        r = Client().post("/accounts/password_reset/", {"email": "victim@example.test"})
        assert r.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].body.count("/accounts/reset/") == 20  # one link per account, one mail


def test_a_reset_link_works():
    confirmed_user("rr", "rr@example.com")
    Client().post("/accounts/password_reset/", {"email": "rr@example.com"})
    path = _link(mail.outbox[0], "accounts/reset/")
    client = Client()
    r = client.get(path, follow=True)
    assert r.status_code == 200
    r = client.post(
        r.redirect_chain[-1][0], {"new_password1": "An0ther-long-pass", "new_password2": "An0ther-long-pass"}
    )
    assert r.status_code == 302
    assert User.objects.get(username="rr").check_password("An0ther-long-pass")


def test_reset_of_an_unconfirmed_address_sends_nothing():
    User.objects.create_user("unconf", "unconf@example.com", PASSWORD)
    Client().post("/accounts/password_reset/", {"email": "unconf@example.com"})
    assert mail.outbox == []


def test_reset_is_rate_limited_per_client(settings):
    settings.ACCOUNTS_RESET_LIMITS = {"client": (3, 3600), "address": (1, 3600)}
    for i in range(3):
        assert Client().post("/accounts/password_reset/", {"email": f"x{i}@example.com"}).status_code == 302
    r = Client().post("/accounts/password_reset/", {"email": "x9@example.com"})
    assert r.status_code == 429
