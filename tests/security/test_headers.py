"""The browser protections on every kind of response: a page, the API (JSON and problem JSON),
CSV exports (API and page), the admin, error pages, the 400 of refused input and the 503 of an
outage; HSTS on HTTPS; and `check --deploy` clean under production settings."""

import pytest
from django.db import OperationalError, connection
from django.test import Client, override_settings

from tests.config.test_operations import PRODUCTION, manage

pytestmark = pytest.mark.django_db

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

URLS = {
    "page": ("/products/", 200),
    "api": ("/api/v1/products/", 200),
    "api csv": ("/api/v1/products/?format=csv", 200),
    "page csv": ("/products/export.csv", 200),
    "admin": ("/admin/login/", 200),
    "api docs": ("/api/docs/", 200),
    "page 404": ("/no-such-page/", 404),
    "api 404": ("/api/v1/products/999999999/", 404),
    "api 400": ("/api/v1/products/?page_size=0", 400),
    "refused input": ("/products/?q=%00", 400),
    "health": ("/healthz", 200),
}


def assert_protected(response, what: str) -> None:
    for name, value in EXPECTED.items():
        assert response.get(name) == value, (what, name, response.get(name))
    assert "default-src 'self'" in response.get("Content-Security-Policy", ""), what
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"], what
    assert "camera=()" in response.get("Permissions-Policy", ""), what
    assert response.get("X-Request-ID"), what


@pytest.mark.parametrize("what", list(URLS))
def test_every_kind_of_response_carries_the_headers(what):
    url, status = URLS[what]
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == status, (what, response.status_code)
    assert_protected(response, what)


@pytest.mark.parametrize("url", ["/products/", "/api/v1/products/"])
def test_an_outage_503_carries_them_too(url):
    def down(execute, sql, params, many, context):
        raise OperationalError("connection refused")

    with connection.execute_wrapper(down):
        response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 503
    assert_protected(response, f"503 {url}")
    from catalogue.resilience import database_outage

    database_outage.since = None


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_hsts_on_https():
    response = Client().get("/products/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
