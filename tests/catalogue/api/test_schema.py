"""The OpenAPI schema builds without warnings, validates as OpenAPI 3, and documents what partners
need: every filter, the error bodies, conditional requests and exports. Docs need no internet."""

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

from config.api_router import router

LISTS = [prefix for prefix, _viewset, _basename in router.registry]


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    # --fail-on-warn turns any generator warning into an error; --validate checks OpenAPI 3.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_schema_builds_without_warnings_and_is_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    assert "v1 changes only by adding" in schema["info"]["description"]


@pytest.mark.parametrize("name", LISTS)
def test_every_resource_has_list_and_detail(schema, name):
    paths = schema["paths"]
    assert f"/api/v1/{name}/" in paths
    assert any(p.startswith(f"/api/v1/{name}/{{") for p in paths)


@pytest.mark.parametrize("name", LISTS)
def test_every_filter_of_the_shared_filterset_is_documented(schema, name):
    viewset = dict((p, v) for p, v, _ in router.registry)[name]
    params = {p["name"]: p for p in schema["paths"][f"/api/v1/{name}/"]["get"]["parameters"]}
    wanted = set(viewset.filterset_class.base_filters) | {"page", "page_size", "pagination", "cursor"}
    wanted |= {"modified_since", "format", "ordering"}
    assert wanted <= set(params), wanted - set(params)
    undocumented = [n for n, p in params.items() if not p.get("description")]
    assert not undocumented


@pytest.mark.parametrize("name", LISTS)
def test_a_filter_is_documented_by_its_help_text_alone(schema, name):
    """FilterSet `help_text` is the one place a filter parameter is described: every filter has
    one and the schema shows it (not the form label, not a second table of descriptions)."""
    viewset = dict((p, v) for p, v, _ in router.registry)[name]
    params = {p["name"]: p for p in schema["paths"][f"/api/v1/{name}/"]["get"]["parameters"]}
    for field_name, filter_field in viewset.filterset_class.base_filters.items():
        help_text = str(filter_field.extra.get("help_text") or "")
        assert help_text, f"{name}: filter {field_name} has no help_text"
        assert params[field_name]["description"].startswith(help_text), field_name


@pytest.mark.parametrize("name", LISTS)
def test_errors_304_and_exports_are_documented(schema, name):
    responses = schema["paths"][f"/api/v1/{name}/"]["get"]["responses"]
    for code in ("400", "401", "404", "406", "429"):
        assert "application/problem+json" in responses[code]["content"], code
    assert "Retry-After" in responses["429"]["headers"]
    assert "304" in responses and "ETag" in responses["200"]["headers"]
    assert {"application/json", "text/csv"} <= set(responses["200"]["content"])


def test_submission_endpoint_is_documented_with_an_example_and_scope(schema):
    post = schema["paths"]["/api/v1/submissions/"]["post"]
    body = post["requestBody"]["content"]["application/json"]
    assert body["examples"], "a partner can copy a working example"
    assert post["security"] == [{"ApiKey": []}]
    assert {"201", "400", "401", "403", "429"} <= set(post["responses"])
    assert schema["components"]["securitySchemes"]["ApiKey"]["name"] == "X-API-Key"


def test_problem_schema(schema):
    problem = schema["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(problem["properties"])


@pytest.mark.django_db
def test_schema_endpoint_and_docs_are_served_from_our_own_static_files():
    client = Client()
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/schema/?format=json").json()["openapi"].startswith("3.")
    for page in ("/api/docs/", "/api/redoc/"):
        html = client.get(page).content.decode()
        assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
        assert "/static/drf_spectacular_sidecar/" in html
    asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200
