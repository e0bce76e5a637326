"""The OpenAPI schema and the server agree (issue 11, schemathesis `--checks all`): what the
schema calls invalid is refused, and the schema states the bounds the server enforces."""

import re

import pytest
from django.test import Client

from catalogue.api.sync import PATTERN, parse_modified_since
from tests.api_client import SUBMISSION, problem_fields

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return Client().get("/api/schema/?format=json").json()


def param(schema: dict, path: str, name: str) -> dict:
    (found,) = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name]
    return found["schema"]


@pytest.mark.parametrize(
    "url,field",
    [
        ("/api/v1/categories/?top_level=null", "top_level"),
        ("/api/v1/institutions/?head_offices_only=null", "head_offices_only"),
        ("/api/v1/institutions/?head_offices_only=yes", "head_offices_only"),
        ("/api/v1/categories/?top_level=2", "top_level"),
        ("/api/v1/themes/?page=", "page"),
        ("/api/v1/cases/?date_before=", "date_before"),
        ("/api/v1/products/?q=", "q"),
        ("/api/v1/regions/?page_size=null&format=csv", "page_size"),
        ("/api/v1/themes/?pagination=a&format=xlsx", "pagination"),
        ("/api/v1/submissions/?pagination=cursor&page=x", "page"),
    ],
)
def test_values_outside_the_schema_are_a_400(api, submit_key, url, field):
    response = api.get(url, HTTP_X_API_KEY=submit_key)
    assert response.status_code == 400
    assert problem_fields(response) == [field]


@pytest.mark.parametrize("value,expected", [("true", True), ("false", False), ("1", True), ("0", False)])
def test_booleans_still_filter(api, value, expected):
    assert api.get(f"/api/v1/categories/?top_level={value}").status_code == 200
    assert api.get(f"/api/v1/institutions/?head_offices_only={value}").status_code == 200


def test_a_bad_page_is_a_400_even_where_a_304_would_answer(api):
    assert api.get("/api/v1/institutions/?page=C", HTTP_IF_NONE_MATCH="*").status_code == 400


def test_pages_still_read_an_empty_form_field_as_absent(client):
    assert client.get("/cases/?date_before=&q=").status_code == 200


def test_an_empty_format_is_an_unknown_format(api):
    assert api.get("/api/v1/themes/?format=").status_code == 404


@pytest.mark.parametrize(
    "part,changes,field",
    [
        ("sources", {"locator": 0}, "sources.0.locator"),
        ("sources", {"locator": "   "}, "sources.0.locator"),
        ("product", {"name_is_descriptive": 0}, "product.name_is_descriptive"),
        ("case", {"amount": 5000000}, "case.amount"),
        ("case", {"amount": "0.00"}, "case.amount"),
    ],
)
def test_values_of_the_wrong_json_type_are_refused(api, submit_key, part, changes, field):
    body = {**SUBMISSION}
    if part == "sources":
        body["sources"] = [{**SUBMISSION["sources"][0], **changes}]
    else:
        body[part] = {**SUBMISSION[part], **changes}
    response = api.post("/api/v1/submissions/", body, format="json", HTTP_X_API_KEY=submit_key)
    assert response.status_code == 400
    assert problem_fields(response) == [field]


@pytest.mark.parametrize("amount", ["5000000", "0.01", ".5", "999999999999.99", "", " 12 "])
def test_the_amount_pattern_admits_what_the_server_takes(schema, amount):
    pattern = schema["components"]["schemas"]["CaseInputRequest"]["properties"]["amount"]["pattern"]
    assert re.match(pattern, amount)


@pytest.mark.parametrize("amount", ["0", "0.00", "-1", ".", "1.234", "1000000000000"])
def test_the_amount_pattern_refuses_what_the_server_refuses(schema, amount):
    pattern = schema["components"]["schemas"]["CaseInputRequest"]["properties"]["amount"]["pattern"]
    assert not re.match(pattern, amount)


def test_schema_states_the_bounds_the_server_enforces(schema):
    sources = schema["components"]["schemas"]["SubmissionInputRequest"]["properties"]["sources"]
    assert (sources["minItems"], sources["maxItems"]) == (1, 10)
    assert param(schema, "/api/v1/cases/", "institution") == {"type": "integer", "minimum": 1}
    assert param(schema, "/api/v1/cases/", "product")["minimum"] == 1
    assert not re.match(param(schema, "/api/v1/cases/", "theme")["items"]["pattern"], "")
    assert re.match(param(schema, "/api/v1/products/", "currency")["pattern"], "CNY")
    assert not re.match(param(schema, "/api/v1/products/", "currency")["pattern"], "cny")
    assert param(schema, "/api/v1/products/", "date_after") == {"type": "string", "format": "date"}
    assert param(schema, "/api/v1/cases/", "modified_since")["pattern"] == PATTERN
    assert param(schema, "/api/v1/cases/", "q")["minLength"] == 1
    assert param(schema, "/api/v1/policies/", "topic")["items"]["minLength"] == 1


@pytest.mark.parametrize("value", ["2024-05-01", "2024-05-01T08:00:00+08:00", "2024-12-31T23:59:59.5Z"])
def test_modified_since_pattern_admits_what_the_server_parses(value):
    assert re.match(PATTERN, value)
    parse_modified_since(value)


@pytest.mark.parametrize("value", ["a", "2024-02-30", "2024-13-01", "2024-05-01T08:00:00", "0000-01-01", ""])
def test_modified_since_pattern_refuses_what_the_server_refuses(api, value):
    assert not re.match(PATTERN, value)
    assert api.get("/api/v1/products/", {"modified_since": value}).status_code == 400
