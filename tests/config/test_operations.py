"""Operations (issue 11): settings fail closed, `check --deploy` is clean, security headers,
health probes, request ids, admin lockout, facet cache keys, page rate limits, Redis outages."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "production-like-secret-for-check-deploy-" + "9" * 20,
    "HTTPS": "1",
    "ALLOWED_HOSTS": "catalogue.example.cn",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # A clean production environment: nothing of the developer's or of other tests (the browser
    # tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright, which check --deploy rightly refuses).
    unset = ("DEBUG", "SECRET_KEY", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    base = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("key", ["", "dev-only-insecure-key"])
def test_production_refuses_to_start_without_its_own_key(key):
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": key})
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_debug_is_off_unless_set():
    env = {k: v for k, v in PRODUCTION.items() if k != "DEBUG"}
    code = "from django.conf import settings; print(settings.DEBUG)"
    result = manage("shell", "-c", code, **env)
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def test_security_headers_on_pages_and_api_docs(client):
    for url in ("/", "/api/docs/", "/api/redoc/"):
        response = client.get(url)
        assert response.status_code == 200, url
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "camera=()" in response["Permissions-Policy"]
        assert response["X-Request-ID"]


def test_swagger_ui_runs_without_inline_script(client):
    page = client.get("/api/docs/").content.decode()
    assert "<script>" not in page.replace(" ", "")
    assert client.get("/api/docs/?script=").status_code == 200


def test_a_request_id_from_the_proxy_is_kept(client):
    rid = "0f4c4b1e2d9a4f3b8c7d6e5f4a3b2c1d"
    assert client.get("/healthz", HTTP_X_REQUEST_ID=rid)["X-Request-ID"] == rid


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok", "worker": "ok"}


def test_readyz_reports_a_failing_dependency(client, monkeypatch):
    from catalogue import health

    def broken():
        raise ConnectionError("refused")

    monkeypatch.setitem(health.CHECKS, "cache", broken)
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["cache"] == "unavailable"


def test_schema_is_generated_once(client, monkeypatch):
    from drf_spectacular.generators import SchemaGenerator

    client.get("/api/schema/?format=json")
    calls = []
    monkeypatch.setattr(SchemaGenerator, "get_schema", lambda *a, **k: calls.append(1) or {})
    assert client.get("/api/schema/?format=json").json()["openapi"]
    assert not calls


def test_admin_login_locks_out_after_repeated_failures(django_user_model):
    django_user_model.objects.create_superuser("curator", "c@example.cn", "a-long-Pass-phrase-42")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "curator", "password": "wrong"})
    locked = client.post("/admin/login/", {"username": "curator", "password": "a-long-Pass-phrase-42"})
    assert locked.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_password_validators_refuse_weak_passwords():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("password123", "12345678901234", "short"):
        with pytest.raises(ValidationError):
            validate_password(weak)


def test_made_up_parameters_do_not_mint_facet_cache_keys(client):
    from catalogue.listing import _facet_cache_key

    a = client.get("/cases/?zz=1").wsgi_request
    b = client.get("/cases/?zz=2").wsgi_request
    known = ["province", "q"]
    assert _facet_cache_key(a, a.GET, known) == _facet_cache_key(b, b.GET, known)
    c = client.get("/cases/?province=430000").wsgi_request
    assert _facet_cache_key(c, c.GET, known) != _facet_cache_key(a, a.GET, known)


@override_settings(PAGE_RATE="3/min")
def test_list_pages_are_rate_limited_per_client():
    caches["default"].clear()
    caches["local"].clear()
    client = Client(REMOTE_ADDR="203.0.113.9")
    codes = [client.get("/policies/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert Client(REMOTE_ADDR="203.0.113.10").get("/policies/").status_code == 200
    assert client.get("/policies/1/").status_code != 429  # details are not limited


def test_throttle_counts_locally_when_the_shared_cache_fails(monkeypatch):
    from catalogue.resilience import FallbackCache

    class Down:
        def get(self, *a, **k):
            from redis.exceptions import ConnectionError

            raise ConnectionError("refused")

        set = get

    fc = FallbackCache()
    monkeypatch.setattr(fc, "_shared", lambda: Down())
    fc.set("t", [1, 2], 60)
    assert fc.get("t") == [1, 2]  # kept in this process's memory


def test_logs_are_json_with_the_request_id(capfd):
    result = manage(
        "shell",
        "-c",
        "import logging; from django_guid import set_guid; set_guid('abc123'); "
        "logging.getLogger('catalogue').warning('hello')",
        DEBUG="1",
    )
    line = [ln for ln in result.stderr.splitlines() if "hello" in ln][0]
    record = json.loads(line)
    assert record["message"] == "hello" and record["request_id"] == "abc123"
