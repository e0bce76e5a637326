"""The anonymous throttle against Redis: one round trip per request, the same sliding window and
Retry-After as DRF's get-then-set, and local counting while Redis is unreachable."""

import os

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings

from catalogue.resilience import throttle_cache
from tests.api_client import get
from tests.partners.test_throttle import rates

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/9"


def redis_caches(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "throttle-test",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.3, "SOCKET_TIMEOUT": 0.3},
        },
        "local": settings.CACHES["local"],
    }


@pytest.fixture
def shared_redis(monkeypatch):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.3).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    monkeypatch.setattr(throttle_cache, "down_until", 0.0)
    with override_settings(CACHES=redis_caches(REDIS_URL), API_RESPONSE_CACHE_SECONDS=0):
        caches["default"].clear()
        yield
        caches["default"].clear()


@pytest.fixture
def redis_commands(monkeypatch):
    """Every command sent to Redis, as (name, first argument)."""
    sent: list[tuple[str, str]] = []
    original = redis.Redis.execute_command

    def record(self, *args, **options):
        sent.append((str(args[0]).upper(), str(args[1:2])))
        return original(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", record)
    return sent


def throttle_commands(sent):
    return [c for c in sent if "throttle_" in c[1] or c[0] in ("EVALSHA", "EVAL")]


def test_an_anonymous_request_counts_in_one_round_trip(api, shared_redis, redis_commands):
    with rates(anon="3/min", key="100/min"):
        get(api, "/api/v1/themes/")  # registers the script (SCRIPT LOAD after NOSCRIPT at most once)
        redis_commands.clear()
        get(api, "/api/v1/themes/")
        assert [c[0] for c in throttle_commands(redis_commands)] == ["EVALSHA"]


def test_the_window_refuses_the_fourth_and_slides(api, shared_redis, monkeypatch):
    import partners.throttling

    clock = [1_000_000.0]
    monkeypatch.setattr(partners.throttling.AnonRateThrottle, "timer", lambda self: clock[0])
    with rates(anon="3/min", key="100/min"):
        for step in (0, 10, 20):
            clock[0] = 1_000_000.0 + step
            get(api, "/api/v1/themes/")
        clock[0] = 1_000_030.0
        response = get(api, "/api/v1/themes/", status=429)
        # DRF's formula: (60 - (now - oldest)) / (3 - 3 + 1) = 30 seconds.
        assert response["Retry-After"] == "30"
        get(api, "/api/v1/themes/", REMOTE_ADDR="10.0.0.2")  # another address, its own window
        clock[0] = 1_000_060.5  # the first request has left the window: one place free
        get(api, "/api/v1/themes/")
        get(api, "/api/v1/themes/", status=429)


def test_a_rate_of_zero_refuses_with_the_whole_window_to_wait(api, shared_redis):
    with rates(anon="0/min", key="100/min"):
        assert get(api, "/api/v1/themes/", status=429)["Retry-After"] == "60"


def test_an_unreachable_redis_still_limits_in_this_process(api, monkeypatch):
    monkeypatch.setattr(throttle_cache, "down_until", 0.0)
    caches["local"].clear()
    down = override_settings(CACHES=redis_caches("redis://127.0.0.1:1/0"), API_RESPONSE_CACHE_SECONDS=0)
    with down, rates(anon="3/min", key="100/min"):
        for _ in range(3):
            get(api, "/api/v1/themes/")
        assert int(get(api, "/api/v1/themes/", status=429)["Retry-After"]) > 0
    caches["local"].clear()


def test_a_list_and_its_kept_count_share_the_throttles_round_trip(api, shared_redis, redis_commands):
    from django.utils import timezone

    from products.models import Case

    with rates(anon="100/min", key="100/min"):
        get(api, "/api/v1/cases/?page_size=5")  # counts, and keeps the count
        redis_commands.clear()
        body = get(api, "/api/v1/cases/?page_size=6").json()  # another page size: the same count
        assert [c[0] for c in redis_commands] == ["EVALSHA"]
        assert body["count"] == Case.objects.published().count() and len(body["results"]) == 6
        # A change moves the catalogue version: the kept count is not used, the list counts again.
        Case.objects.published().filter(pk=body["results"][0]["id"]).update(
            status="withdrawn", modified=timezone.now()
        )
        assert get(api, "/api/v1/cases/?page_size=7").json()["count"] == body["count"] - 1
