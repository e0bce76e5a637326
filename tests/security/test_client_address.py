"""Issue 20 finding 3: behind a proxy, axes recorded the proxy's address, so five bad passwords
for `curator` from one client locked every client out. One client address (catalogue.client_address)
now serves the lockout, the throttles and the access log."""

import logging

import pytest
from django.core.cache import caches
from django.test import Client, override_settings

from catalogue.client_address import client_address

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"  # the reverse proxy: every request reaches the app from here
ATTACKER, CURATOR = "198.51.100.66", "198.51.100.7"
PASSWORD = "a-long-Pass-phrase-42"


def behind_proxy(client_ip: str, forged: str = "") -> Client:
    """A client one proxy hop away: the proxy appends the address it saw to X-Forwarded-For."""
    chain = f"{forged}, {client_ip}" if forged else client_ip
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=chain)


@pytest.fixture
def curator(django_user_model):
    return django_user_model.objects.create_superuser("curator", "c@example.cn", PASSWORD)


def fail_five_times(client: Client) -> None:
    for _ in range(5):
        client.post("/admin/login/", {"username": "curator", "password": "wrong"})


@override_settings(API_NUM_PROXIES=1, AXES_FAILURE_LIMIT=5)
def test_an_attacker_behind_the_proxy_cannot_lock_the_curator_out(curator):
    attacker = behind_proxy(ATTACKER)
    fail_five_times(attacker)
    assert attacker.post("/admin/login/", {"username": "curator", "password": PASSWORD}).status_code == 429

    curator_client = behind_proxy(CURATOR)
    response = curator_client.post("/admin/login/", {"username": "curator", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    assert "_auth_user_id" in curator_client.session


@override_settings(API_NUM_PROXIES=1, AXES_FAILURE_LIMIT=5)
def test_a_forged_forwarded_for_names_neither_someone_else_nor_a_fresh_address(curator):
    # The attacker writes the curator's address into the header; the proxy appends the real one.
    attacker = behind_proxy(ATTACKER, forged=CURATOR)
    fail_five_times(attacker)
    assert (
        behind_proxy(ATTACKER, forged="192.0.2.99")
        .post("/admin/login/", {"username": "curator", "password": PASSWORD})
        .status_code
        == 429
    )
    ok = behind_proxy(CURATOR).post("/admin/login/", {"username": "curator", "password": PASSWORD})
    assert ok.status_code == 302


def test_without_proxies_the_header_is_ignored(rf):
    request = rf.get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_address(request) == "203.0.113.5"


@override_settings(API_NUM_PROXIES=1, API_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_the_header_is_read_only_from_a_trusted_proxy(rf):
    via_proxy = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CURATOR)
    around_it = rf.get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=CURATOR)
    assert client_address(via_proxy) == CURATOR
    assert client_address(around_it) == "203.0.113.5"


@override_settings(
    API_NUM_PROXIES=1,
    PAGE_RATE="2/min",
    REST_FRAMEWORK={
        **__import__("django.conf").conf.settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "key": "1200/min", "submission": "60/hour"},
    },
)
def test_throttles_count_the_client_behind_the_proxy():
    caches["default"].clear()
    caches["local"].clear()
    noisy = behind_proxy(ATTACKER)
    assert [noisy.get("/api/v1/themes/").status_code for _ in range(3)] == [200, 200, 429]
    assert behind_proxy(CURATOR).get("/api/v1/themes/").status_code == 200
    assert [noisy.get("/policies/").status_code for _ in range(3)] == [200, 200, 429]
    assert behind_proxy(CURATOR).get("/policies/").status_code == 200
    caches["default"].clear()
    caches["local"].clear()


@override_settings(API_NUM_PROXIES=1)
def test_the_access_log_names_the_client_behind_the_proxy(caplog):
    with caplog.at_level(logging.INFO, logger="catalogue.access"):
        behind_proxy(CURATOR).get("/healthz")
    assert [r.client for r in caplog.records if r.name == "catalogue.access"] == [CURATOR]
