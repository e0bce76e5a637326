"""Issue 20 finding 7: a NUL byte in a path value or a query parameter reached PostgreSQL raw and
answered 500 on 11 public URLs and 3 admin URLs. Control characters are now refused at the edge
(catalogue.middleware.ControlCharactersMiddleware): this walks every URL pattern of the site, the
API router and the admin with `%00` in each path parameter and `?q=%00`, and wants a 400."""

import re

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from tests.api_client import problem_fields

pytestmark = pytest.mark.django_db

NUL = "%00"


def patterns(resolvers=None, prefix: str = ""):
    """Every URL pattern as a path, each parameter replaced by `%00`."""
    for entry in get_resolver().url_patterns if resolvers is None else resolvers:
        here = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from patterns(entry.url_patterns, here)
        else:
            yield here


def as_path(pattern: str, value: str) -> str:
    path = re.sub(r"\(\?P<\w+>[^)]*\)", value, pattern)  # re_path() named groups (the router's)
    path = re.sub(r"<(?:\w+:)?\w+>", value, path)  # path() converters
    path = path.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")
    return "/" + path.replace(".*", "x")


ALL = sorted(set(patterns()))
PUBLIC = [p for p in ALL if not p.startswith("admin/")]
ADMIN = [p for p in ALL if p.startswith("admin/")]


def assert_refused(response, path: str) -> None:
    assert response.status_code == 400, (path, response.status_code)
    if path.startswith("/api/"):
        assert problem_fields(response)  # names the path or the parameter


@pytest.fixture
def client_noraise():
    return Client(raise_request_exception=False)


@pytest.fixture
def curator_client(django_user_model):
    user = django_user_model.objects.create_superuser("curator", "c@example.cn", "a-long-Pass-phrase-42")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_the_walk_sees_the_router_pages_and_admin():
    assert len(PUBLIC) > 80 and len(ADMIN) > 50
    assert "api/v1/^regions/(?P<pk>[^/.]+)/$" in ALL and "regions/<str:code>/" in ALL


@pytest.mark.parametrize("pattern", PUBLIC)
def test_nul_in_any_public_url_is_a_400(client_noraise, pattern):
    for path in {as_path(pattern, NUL), as_path(pattern, "1")}:
        assert_refused(client_noraise.get(f"{path}?q={NUL}"), path)
    if "<" in pattern or "(?P" in pattern:
        path = as_path(pattern, NUL)
        assert_refused(client_noraise.get(path), path)


def test_nul_in_any_admin_url_is_a_400(curator_client):
    for pattern in ADMIN:
        for path in {as_path(pattern, NUL), as_path(pattern, "1")}:
            assert_refused(curator_client.get(f"{path}?q={NUL}"), path)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/regions/%00/",
        "/regions/43%0000/",
        "/api/v1/match/?city=%00",
        "/admin/institutions/region/%00/change/",
        "/products/?q=a%01b",
        "/products/?q=%7F",
        "/products/?q=%C2%85",  # C1 NEL
        "/cases/?%00=1",
        "/api/v1/cases/?q=line%0Abreak",
    ],
)
def test_the_reported_urls_and_other_control_characters(curator_client, url):
    assert_refused(curator_client.get(url), url)


def test_ordinary_text_still_passes(client):
    assert client.get("/products/", {"q": "数据资产 质押"}).status_code == 200
    assert client.get("/api/v1/products/", {"q": "绿色"}).status_code == 200


def test_a_form_field_with_nul_is_a_400_page(client_noraise):
    response = client_noraise.post("/accounts/login/", {"username": "a\x00b", "password": "x"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_a_text_area_keeps_its_newlines(client_noraise):
    response = client_noraise.post("/accounts/login/", {"username": "a\r\nb\tc", "password": "x"})
    assert response.status_code == 200  # the form's own answer: wrong credentials


def test_nul_in_a_json_body_is_a_400(api, submit_key):
    body = '{"product": {"name": "x\\u0000y"}, "note": "\\u0000"}'
    response = api.post(
        "/api/v1/submissions/", body, content_type="application/json", HTTP_X_API_KEY=submit_key
    )
    assert response.status_code == 400
    assert problem_fields(response) == ["body"]
