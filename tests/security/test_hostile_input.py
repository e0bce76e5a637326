"""Hostile or careless input answered with a clear 4xx (problem JSON on the API, a message on
pages), never a server error: each case below was once a 500 (issue 11)."""

import csv
import io

import pytest
from django.db import OperationalError
from django.test import Client, override_settings

from catalogue.api.exports import neutralise
from tests.api_client import problem_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_noraise():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("resource", ["cases", "products", "policies"])
@pytest.mark.parametrize("ordering", [",", "date,", ",,-date"])
def test_an_empty_ordering_item_is_a_400_on_the_api(api, resource, ordering):
    response = api.get(f"/api/v1/{resource}/", {"ordering": ordering})
    assert response.status_code == 400, response.content[:300]
    assert problem_fields(response) == ["ordering"]


@pytest.mark.parametrize("page", ["/cases/", "/products/", "/policies/"])
def test_an_empty_ordering_item_is_a_message_on_pages(client, page):
    response = client.get(page, {"ordering": ","})
    assert response.status_code == 200
    assert "ordering" in response.context["listing"].errors


@pytest.mark.parametrize("q", ["-", ",", "[]", "😀", "\u202e", "-,[]"])
@pytest.mark.parametrize("page", ["/products/", "/cases/", "/policies/", "/institutions/"])
def test_a_search_of_punctuation_only_lists_nothing(client, page, q):
    response = client.get(page, {"q": q})
    assert response.status_code == 200
    assert response.context["listing"].total == 0


@pytest.mark.parametrize("resource", ["themes", "categories", "topics", "cases"])
def test_a_cursor_holding_a_string_is_a_400(api, resource):
    # base64 of ["x"]: a well-formed cursor whose key is not an id
    response = api.get(f"/api/v1/{resource}/", {"pagination": "cursor", "cursor": "WyJ4Il0"})
    assert response.status_code == 400
    assert problem_fields(response) == ["cursor"]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_limit_is_a_413(api, submit_key):
    response = api.post("/api/v1/submissions/", {"x": "a" * 2000}, format="json", HTTP_X_API_KEY=submit_key)
    assert response.status_code == 413
    assert problem_fields(response) == ["body"]


def test_deeply_nested_json_is_a_400(api, submit_key):
    body = "[" * 1000 + "]" * 1000
    response = api.post(
        "/api/v1/submissions/", body, content_type="application/json", HTTP_X_API_KEY=submit_key
    )
    assert response.status_code == 400
    assert problem_fields(response) == ["body"]


def test_moderate_nesting_beyond_the_bound_is_a_400_too(api, submit_key):
    body = '{"product": ' + "[" * 30 + "]" * 30 + "}"
    response = api.post(
        "/api/v1/submissions/", body, content_type="application/json", HTTP_X_API_KEY=submit_key
    )
    assert response.status_code == 400


def test_search_page_shows_institution_aliases_not_a_generator(client):
    response = client.get("/search/", {"q": "建行"})
    assert response.status_code == 200
    assert b"generator object" not in response.content


def test_a_non_get_with_an_export_format_is_a_405(api):
    response = api.post("/api/v1/cases/?format=csv", {}, format="json")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_a_rejected_host_on_the_api_answers_problem_json(client_noraise):
    response = client_noraise.get("/api/v1/cases/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "@SUM(A1)", "+1", "-1+2", "\t=1"])
def test_csv_cells_that_would_be_formulas_are_neutralised(value):
    assert neutralise(value) == "'" + value
    assert neutralise("平安银行") == "平安银行" and neutralise(5) == 5


def test_csv_export_writes_no_formula(api, monkeypatch):
    from catalogue.api import exports

    real = exports.cell_values
    monkeypatch.setattr(exports, "cell_values", lambda row, cols: ["=cmd|x", *real(row, cols)[1:]])
    response = api.get("/api/v1/products/?format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) > 1 and all(r[0] == "'=cmd|x" for r in rows[1:])


def test_database_down_is_a_503_with_retry_after(client_noraise, api, monkeypatch):
    from products import views

    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(views, "build_list_page", down)
    page = client_noraise.get("/products/")
    assert page.status_code == 503 and page["Retry-After"]
    assert "暂时无法访问".encode() in page.content and b"Briefly unavailable" in page.content

    from catalogue.api.views import CatalogueViewSet

    monkeypatch.setattr(CatalogueViewSet, "list", down)
    response = api.get("/api/v1/products/")
    assert response.status_code == 503 and response["Retry-After"]
    assert response.json()["type"].endswith(":service-unavailable")
