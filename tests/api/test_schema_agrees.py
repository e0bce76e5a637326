"""The OpenAPI schema and the server agree (issue 11, schemathesis `--checks all`): what the
schema calls invalid is refused, and the schema states the bounds the server enforces."""

import re

import pytest
from django.test import Client

from catalogue.api.sync import PATTERN, parse_modified_since
from tests.api.conftest import problem_fields
from tests.api.test_submissions import SUBMISSION

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
        ("/api/v1/themes/?page=", "page"),
    ],
)
def test_values_outside_the_schema_are_a_400(api, url, field):
    response = api.get(url)
    assert response.status_code == 400
    assert problem_fields(response) == [field]


@pytest.mark.parametrize("value,expected", [("true", True), ("false", False), ("1", True), ("0", False)])
def test_booleans_still_filter(api, value, expected):
    assert api.get(f"/api/v1/categories/?top_level={value}").status_code == 200
    assert api.get(f"/api/v1/institutions/?head_offices_only={value}").status_code == 200


def test_an_empty_format_is_an_unknown_format(api):
    assert api.get("/api/v1/themes/?format=").status_code == 404


def test_a_number_where_text_belongs_is_refused(api, submit_key):
    body = {**SUBMISSION, "sources": [{**SUBMISSION["sources"][0], "locator": 0}]}
    response = api.post("/api/v1/submissions/", body, format="json", HTTP_X_API_KEY=submit_key)
    assert response.status_code == 400
    assert problem_fields(response) == ["sources.0.locator"]


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


@pytest.mark.parametrize("value", ["2024-05-01", "2024-05-01T08:00:00+08:00", "2024-12-31T23:59:59.5Z"])
def test_modified_since_pattern_admits_what_the_server_parses(value):
    assert re.match(PATTERN, value)
    parse_modified_since(value)


@pytest.mark.parametrize("value", ["a", "2024-02-30", "2024-13-01", "2024-05-01T08:00:00", "0000-01-01"])
def test_modified_since_pattern_refuses_what_the_server_refuses(api, value):
    assert not re.match(PATTERN, value)
    assert api.get("/api/v1/products/", {"modified_since": value}).status_code == 400
