"""advisor.services called directly: what a saved search matches and what is new, the digest email
and the signed webhook with their delivery rows, confirmed addresses and password resets, and the
links that can be taken back. Nothing leaves the machine: name resolution and the webhook
transport are replaced, mail goes to Django's outbox."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import socket

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone

from advisor import services
from advisor.models import AccountEmail, Delivery, SavedSearch, SeenRecord, Shortlist
from products.models import Case, Product
from tests.advisor.profiles import PROFILES, profile_query
from tests.factories import CaseFactory, ProductFactory, confirmed_user

pytestmark = pytest.mark.django_db
PUBLIC = "93.184.215.14"  # stands for "some public address"; never connected to here


@pytest.fixture
def public_dns(monkeypatch):
    """Every host name resolves to one public address (no lookup leaves the machine)."""

    def answer(host, port, *args, **kwargs):  # noqa: ANN001, ANN202
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port or 0))]

    monkeypatch.setattr(socket, "getaddrinfo", answer)


@pytest.fixture
def transport(monkeypatch):
    """The webhook transport replaced: records each call, answers with `transport.code`."""
    calls: list[dict] = []

    def post(target, body, headers):  # noqa: ANN001, ANN202
        calls.append({"target": target, "body": body, "headers": headers})
        if isinstance(post.code, Exception):
            raise post.code
        return post.code

    post.code, post.calls = 204, calls
    monkeypatch.setattr(services, "transport", post)
    return post


def address() -> str:
    """A fresh address, so the per-address mail limits of one test never meet another's."""
    return f"rm-{secrets.token_hex(4)}@example.com"


def search_for(user: User, query: str = "province=430000", kind: str = "cases", **fields) -> SavedSearch:
    return SavedSearch.objects.create(owner=user, name="湖南的案例", kind=kind, query=query, **fields)


# --- what a saved search matches ------------------------------------------------------------------


def test_current_records_are_the_published_records_the_filter_matches_newest_first():
    search = search_for(confirmed_user("rm"))
    found = services.current_records(search)
    expected = Case.objects.published().filter(province_id="430000")
    assert found and {c.pk for c in found} == set(expected.values_list("pk", flat=True))
    assert [(c.created, c.pk) for c in found] == sorted(((c.created, c.pk) for c in found), reverse=True)
    products = services.current_records(search_for(confirmed_user("rm2"), "category=credit", kind="products"))
    assert products and all(isinstance(p, Product) and p.status == "published" for p in products)


def test_current_records_of_a_bad_query_are_none():
    assert services.current_records(search_for(confirmed_user("rm"), "province=999999")) == []
    assert services.current_records(search_for(confirmed_user("rm2"), "amount=abc", kind="match")) == []


def test_current_records_of_a_match_search_are_products():
    query = profile_query(PROFILES[0]).urlencode()
    found = services.current_records(search_for(confirmed_user("rm"), query, kind="match"))
    assert found and all(isinstance(p, Product) for p in found)


def test_mark_seen_and_new_records():
    search = search_for(confirmed_user("rm"))
    everything = services.current_records(search)
    assert services.new_records(search) == everything
    services.mark_seen(search, everything[:3])
    services.mark_seen(search, everything[:3])  # twice: still one row each
    assert SeenRecord.objects.filter(search=search).count() == 3
    assert services.new_records(search) == everything[3:]
    fresh = CaseFactory(province_id="430000")
    assert fresh in services.new_records(search)


# --- webhooks -------------------------------------------------------------------------------------


def test_check_webhook_url_refuses_what_may_not_be_posted_to(public_dns):
    services.check_webhook_url("https://hooks.example.com/catalogue")
    for url in (
        "ftp://hooks.example.com/",
        "https://user:pw@hooks.example.com/",
        "https://hooks.example.com:22/",
    ):
        with pytest.raises(ValidationError):
            services.check_webhook_url(url)


def test_record_data_describes_a_case_and_a_product(settings):
    settings.SITE_URL = "https://catalogue.example.org/"
    case = CaseFactory()
    data = services.record_data(case)
    assert data["type"] == "case" and data["id"] == case.pk and data["key"] == case.key
    assert data["title"] == f"{case.product.name} · {case.institution.name}"
    assert data["date"] == case.date.isoformat()
    assert data["url"] == f"https://catalogue.example.org/cases/{case.pk}/"
    assert data["api"] == f"https://catalogue.example.org/api/v1/cases/{case.pk}/"
    orphan = ProductFactory(institution=None)
    assert services.record_data(orphan)["title"] == orphan.name
    assert services.record_data(orphan)["url"].endswith(f"/products/{orphan.pk}/")


def test_sign_covers_the_timestamp_and_the_body():
    body = b'{"a": 1}'
    expected = hmac.new(b"secret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert services.sign("secret", body, "1700000000") == f"sha256={expected}"
    assert services.sign("secret", body, "1700000001") != services.sign("secret", body, "1700000000")
    assert services.sign("secret", body) != services.sign("secret", body, "1700000000")


def _delivery(url: str = "https://hooks.example.com/in") -> Delivery:
    search = search_for(confirmed_user("hook-owner"), webhook_url=url)
    return Delivery.objects.create(search=search, channel=Delivery.Channel.WEBHOOK, payload={"records": [1]})


def test_attempt_webhook_posts_a_signed_body_and_logs_the_delivery(public_dns, transport):
    delivery = _delivery()
    assert services.attempt_webhook(delivery) is True
    [call] = transport.calls
    assert call["target"].ip == PUBLIC and call["target"].path == "/in"
    assert json.loads(call["body"]) == {"records": [1], "delivery": delivery.pk}
    headers = call["headers"]
    secret = delivery.search.webhook_secret
    assert headers["X-Catalogue-Signature-256"] == services.sign(
        secret, call["body"], headers["X-Catalogue-Timestamp"]
    )
    stored = Delivery.objects.get(pk=delivery.pk)
    assert (stored.status, stored.attempts, stored.response_code, stored.error) == ("sent", 1, 204, "")
    assert stored.delivered is not None


@pytest.mark.parametrize(
    "answer, error",
    [(500, "HTTP 500"), (ConnectionRefusedError("refused"), "ConnectionRefusedError: refused")],
)
def test_attempt_webhook_failures_are_logged_and_counted(public_dns, transport, answer, error):
    transport.code = answer
    delivery = _delivery()
    assert services.attempt_webhook(delivery) is False
    assert services.attempt_webhook(delivery) is False
    stored = Delivery.objects.get(pk=delivery.pk)
    assert (stored.status, stored.attempts, stored.error, stored.delivered) == ("failed", 2, error, None)


def test_attempt_webhook_to_a_refused_target_sends_nothing(monkeypatch, transport, settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = False
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port))],
    )
    delivery = _delivery()
    assert services.attempt_webhook(delivery) is False
    assert transport.calls == []
    assert Delivery.objects.get(pk=delivery.pk).error == "target refused by the address check"


# --- digests --------------------------------------------------------------------------------------


def test_send_digest_email_mails_the_owner_and_records_the_delivery(mailoutbox):
    search = search_for(confirmed_user("rm", address()))
    records = services.current_records(search)[:2]
    delivery = services.send_digest_email(search, records)
    [mail] = mailoutbox
    assert mail.to == [search.owner.email] and "2" in mail.subject
    assert all(f"/cases/{r.pk}/" in mail.body for r in records)
    assert search.unsubscribe_token in mail.extra_headers["List-Unsubscribe"]
    assert (delivery.channel, delivery.status, delivery.attempts) == ("email", "sent", 1)
    assert delivery.payload == {"to": search.owner.email, "records": [r.pk for r in records]}


def test_run_digest_reports_new_records_once_by_email_and_webhook(
    mailoutbox, public_dns, django_capture_on_commit_callbacks
):
    search = search_for(confirmed_user("rm", address()), webhook_url="https://hooks.example.com/in")
    services.mark_seen(search, services.current_records(search))
    fresh = CaseFactory(province_id="430000")
    handed: list[int] = []
    with django_capture_on_commit_callbacks(execute=False) as queued:
        deliveries = services.run_digest(search, deliver=handed.append)
    assert [d.channel for d in deliveries] == ["email", "webhook"] and len(queued) == 1
    assert deliveries[1].status == "pending" and handed == []  # handed over only once committed
    queued[0]()
    assert handed == [deliveries[1].pk]
    assert deliveries[1].payload["records"] == [services.record_data(fresh)]
    assert len(mailoutbox) == 1 and f"/cases/{fresh.pk}/" in mailoutbox[0].body
    assert SeenRecord.objects.filter(search=search, record_kind="case", record_id=fresh.pk).exists()
    assert services.run_digest(search, deliver=handed.append) == []
    assert len(mailoutbox) == 1 and Delivery.objects.filter(search=search).count() == 2


def test_run_digest_waits_for_a_confirmed_address(mailoutbox):
    owner = User.objects.create_user("unconfirmed", address(), "Long-pass-9981")
    search = search_for(owner)
    assert services.run_digest(search, deliver=pytest.fail) == []
    assert mailoutbox == [] and not SeenRecord.objects.filter(search=search).exists()


def test_run_all_digests_goes_on_past_a_failing_search(mailoutbox, monkeypatch):
    good = search_for(confirmed_user("good", address()))
    bad = search_for(confirmed_user("bad", address()))
    search_for(confirmed_user("quiet", address()), email_alerts=False)
    real = services.send_digest_email

    def send(search, records):  # noqa: ANN001, ANN202
        if search.pk == bad.pk:
            raise OSError("mail server refused")
        return real(search, records)

    monkeypatch.setattr(services, "send_digest_email", send)
    failed: list[int] = []
    assert services.run_all_digests(deliver=pytest.fail, on_failure=failed.append) == 1
    assert failed == [bad.pk]
    assert [m.to for m in mailoutbox] == [[good.owner.email]]
    # The failed search's records stay unseen, so a retry reports them.
    assert (
        not SeenRecord.objects.filter(search=bad).exists() and SeenRecord.objects.filter(search=good).exists()
    )


# --- accounts -------------------------------------------------------------------------------------


def test_email_confirmed_follows_the_current_address():
    user = confirmed_user("rm", address())
    assert services.email_confirmed(user)
    user.email = address()
    user.save()
    assert not services.email_confirmed(user)
    assert not services.email_confirmed(User.objects.create_user("blank", "", "Long-pass-9981"))


def test_confirmation_token_confirms_the_address_it_names():
    user = User.objects.create_user("new", address(), "Long-pass-9981")
    token = services.confirmation_token(user)
    assert services.confirm_email(token=token) == user
    assert AccountEmail.objects.get(user=user).email == user.email and services.email_confirmed(user)


def test_confirm_email_refuses_forged_changed_taken_and_expired_links(settings):
    user = User.objects.create_user("new", address(), "Long-pass-9981")
    token = services.confirmation_token(user)
    codes = {}
    with pytest.raises(ValidationError) as error:
        services.confirm_email(token=token[:-2] + "xx")
    codes["forged"] = error.value.code
    other = confirmed_user("other", address())
    squatter = User.objects.create_user("squatter", other.email, "Long-pass-9981")
    with pytest.raises(ValidationError) as error:
        services.confirm_email(token=services.confirmation_token(squatter))
    codes["taken"] = error.value.code
    user.email = address()
    user.save()
    with pytest.raises(ValidationError) as error:
        services.confirm_email(token=token)
    codes["changed"] = error.value.code
    settings.ACCOUNTS_CONFIRM_MAX_AGE = -1
    with pytest.raises(ValidationError) as error:
        services.confirm_email(token=services.confirmation_token(user))
    codes["expired"] = error.value.code
    assert codes == {"forged": "invalid", "taken": "taken", "changed": "invalid", "expired": "expired"}
    assert not AccountEmail.objects.filter(user__in=[user, squatter]).exists()


def test_send_confirmation_mails_the_link_within_the_addresss_daily_share(mailoutbox, settings):
    user = User.objects.create_user("new", address(), "Long-pass-9981")
    count, _window = settings.ACCOUNTS_SIGNUP_LIMITS["address"]
    sent = [services.send_confirmation(user) for _ in range(count + 1)]
    assert sent == [True] * count + [False] and len(mailoutbox) == count
    link = mailoutbox[0].body.split("/accounts/confirm/")[1].split("/")[0]
    assert services.confirm_email(token=link) == user
    assert services.send_confirmation(User.objects.create_user("blank", "", "Long-pass-9981")) is False


def test_reset_users_are_active_confirmed_accounts_with_a_password():
    email = address()
    a = confirmed_user("a", email)
    b = confirmed_user("b", email.upper())
    inactive = confirmed_user("inactive", email)
    inactive.is_active = False
    inactive.save()
    no_password = confirmed_user("sso", email)
    no_password.set_unusable_password()
    no_password.save()
    User.objects.create_user("unconfirmed", email, "Long-pass-9981")
    assert services.reset_users(email) == [a, b]


def test_send_password_reset_sends_one_mail_with_a_link_per_account(mailoutbox):
    email = address()
    confirmed_user("a", email)
    confirmed_user("b", email)
    assert services.send_password_reset(email=email) is True
    [mail] = mailoutbox
    assert (
        mail.to == [email] and mail.body.count("/reset/") == 2 and "a: " in mail.body and "b: " in mail.body
    )
    assert services.send_password_reset(email=email) is False  # one mail per address per window
    assert services.send_password_reset(email=address()) is False  # nobody there
    assert len(mailoutbox) == 1


# --- links that can be taken back ---------------------------------------------------------------


@pytest.fixture
def shortlist():
    return Shortlist.objects.create(owner=confirmed_user("rm"), title="某客户")


def test_shortlist_share_revoke_and_rotate(shortlist):
    later = timezone.now() + dt.timedelta(days=7)
    services.shortlist_share(shortlist=shortlist, share_notes=True, expires=later)
    stored = Shortlist.objects.get(pk=shortlist.pk)
    assert (stored.shared, stored.share_notes, stored.share_expires) == (True, True, later)
    old = stored.token
    assert Shortlist.objects.shared(old).get() == shortlist
    services.shortlist_rotate(shortlist=stored)
    assert not Shortlist.objects.shared(old).exists()
    assert Shortlist.objects.shared(Shortlist.objects.get(pk=shortlist.pk).token).exists()
    services.shortlist_revoke(shortlist=stored)
    assert not Shortlist.objects.get(pk=shortlist.pk).shared
    assert not Shortlist.objects.shared(stored.token).exists()


def test_shortlist_share_refuses_a_past_expiry(shortlist):
    with pytest.raises(ValidationError) as error:
        services.shortlist_share(shortlist=shortlist, share_notes=False, expires=timezone.now())
    assert error.value.code == "past"
    assert not Shortlist.objects.get(pk=shortlist.pk).shared


@pytest.mark.parametrize(
    "which, field, other",
    [("feed", "token", "unsubscribe_token"), ("unsubscribe", "unsubscribe_token", "token")],
)
def test_saved_search_rotate_replaces_one_link(which, field, other):
    search = search_for(confirmed_user("rm"))
    before = SavedSearch.objects.get(pk=search.pk)
    services.saved_search_rotate(search=search, which=which)
    after = SavedSearch.objects.get(pk=search.pk)
    assert getattr(after, field) != getattr(before, field) and getattr(after, other) == getattr(before, other)
    with pytest.raises(KeyError):
        services.saved_search_rotate(search=search, which="secret")
