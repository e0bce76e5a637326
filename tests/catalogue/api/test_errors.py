"""Every API error is RFC 9457 problem details (application/problem+json) naming what failed;
the HTML site keeps its own error pages."""

import pytest
from django.test import Client, override_settings

from products.api import ProductViewSet
from tests.api_client import get, problem_fields

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url, status, kind, fields",
    [
        ("/api/v1/cases/?province=999999", 400, "validation-error", ["province"]),
        ("/api/v1/cases/?date_before=2024-02-30", 400, "validation-error", ["date_before"]),
        ("/api/v1/products/?modified_since=tomorrow", 400, "validation-error", ["modified_since"]),
        ("/api/v1/cases/?page=100000", 404, "not-found", ["page"]),
        ("/api/v1/cases/?page_size=501", 400, "validation-error", ["page_size"]),
        ("/api/v1/cases/?cursor=zzz", 400, "validation-error", ["cursor"]),
        ("/api/v1/cases/999999999/", 404, "not-found", []),
        ("/api/v1/cases/null,null/", 404, "not-found", []),
        ("/api/v1/products/-1/", 404, "not-found", []),
        ("/api/v1/no-such-resource/", 404, "not-found", []),
        ("/api/v2/products/", 404, "not-found", []),
    ],
)
def test_problem_details(api, url, status, kind, fields):
    response = get(api, url, status=status)
    assert problem_fields(response) == fields
    body = response.json()
    assert body["type"] == f"tag:sme-finance-catalogue,2025:problem:{kind}"
    assert body["title"] and body["detail"] and body["instance"] == url


def test_validation_problems_keep_the_v1_field_members(api):
    body = get(api, "/api/v1/regions/?page_size=100000", status=400).json()
    assert body["page_size"] and body["errors"][0]["field"] == "page_size"


def test_method_not_allowed_and_not_acceptable(api):
    response = api.post("/api/v1/products/", {}, format="json")
    assert response.status_code == 405 and response["Content-Type"] == "application/problem+json"
    response = api.get("/api/v1/products/", HTTP_ACCEPT="application/xml")
    assert response.status_code == 406 and problem_fields(response) == ["Accept"]


def test_server_errors_are_problems_too(api, monkeypatch):
    def boom(self, request, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ProductViewSet, "list", boom)
    api.raise_request_exception = False
    with override_settings(DEBUG=False):
        response = api.get("/api/v1/products/")
    assert response.status_code == 500 and response["Content-Type"] == "application/problem+json"
    assert "boom" not in response.content.decode(), "no internals leak to partners"


def test_the_html_site_keeps_html_errors():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and "problem+json" not in response["Content-Type"]
