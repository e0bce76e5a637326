"""API keys: reading needs none; a key sent must be valid; keys are stored hashed, shown once,
revocable in the admin, and scoped read or submit."""

import hashlib
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from partners.models import ApiKey, Partner
from partners.services import api_key_create, api_key_revoke
from tests.api_client import get, problem_fields

pytestmark = pytest.mark.django_db


def test_reading_needs_no_key(api):
    get(api, "/api/v1/products/")


def test_a_valid_key_reads(api, read_key):
    get(api, "/api/v1/products/", HTTP_X_API_KEY=read_key)


@pytest.mark.parametrize("bad", ["nonsense", "abcd1234.wrong-secret", "", "." * 300])
def test_an_invalid_key_is_401_even_where_none_is_needed(api, read_key, bad):
    prefix = read_key.split(".")[0]
    for key in (bad, f"{prefix}.not-the-secret"):
        response = get(api, "/api/v1/products/", status=401, HTTP_X_API_KEY=key)
        assert problem_fields(response) == ["X-API-Key"]
        assert response["WWW-Authenticate"].startswith("X-API-Key")


def test_a_revoked_key_or_inactive_partner_is_refused(api, partner):
    key, raw = api_key_create(partner=partner, name="old")
    get(api, "/api/v1/cases/", HTTP_X_API_KEY=raw)
    api_key_revoke(key=key)
    assert (
        get(api, "/api/v1/cases/", status=401, HTTP_X_API_KEY=raw)
        .json()["type"]
        .endswith(":authentication-failed")
    )
    _, raw2 = api_key_create(partner=partner, name="new")
    Partner.objects.filter(pk=partner.pk).update(is_active=False)
    get(api, "/api/v1/cases/", status=401, HTTP_X_API_KEY=raw2)


def test_keys_are_stored_hashed_with_a_visible_prefix(partner):
    key, raw = api_key_create(partner=partner, name="x", scope=ApiKey.Scope.SUBMIT)
    stored = ApiKey.objects.get(pk=key.pk)
    assert raw.startswith(stored.prefix + ".")
    assert stored.hashed_key == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {str(v) for v in ApiKey.objects.filter(pk=key.pk).values().first().values()}


def test_submissions_need_the_submit_scope(api, read_key, submit_key):
    response = get(api, "/api/v1/submissions/", status=401)
    assert problem_fields(response) == ["X-API-Key"] and "WWW-Authenticate" in response
    response = get(api, "/api/v1/submissions/", status=403, HTTP_X_API_KEY=read_key)
    assert response.json()["type"].endswith(":missing-scope") and problem_fields(response) == ["X-API-Key"]
    post = api.post("/api/v1/submissions/", {}, format="json", HTTP_X_API_KEY=read_key)
    assert post.status_code == 403
    get(api, "/api/v1/submissions/", HTTP_X_API_KEY=submit_key)


def test_create_api_key_command_prints_the_key_once():
    out, err = StringIO(), StringIO()
    call_command("create_api_key", "--partner", "某研究所", "--scope", "read", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    key = ApiKey.objects.get(partner__name="某研究所")
    assert raw.startswith(key.prefix + ".") and key.scope == "read" and "not be shown again" in err.getvalue()
    assert Client().get("/api/v1/themes/", HTTP_X_API_KEY=raw).status_code == 200


@pytest.fixture
def curator(db):
    return User.objects.create_superuser("curator", "c@example.com", "pw")


def test_admin_issues_a_key_once_and_revokes_it(curator, partner):
    client = Client()
    client.force_login(curator)
    response = client.post(
        "/admin/partners/apikey/add/",
        {"partner": partner.pk, "name": "admin-made", "scope": "submit"},
        follow=True,
    )
    assert response.status_code == 200
    key = ApiKey.objects.get(name="admin-made")
    # Shown in the response of the POST itself (not in a message, which travels in a cookie).
    page = response.content.decode()
    assert page.count('<code id="new-api-key">') == 1
    raw = page.split('<code id="new-api-key">')[1].split("</code>")[0]
    assert Client().get("/api/v1/submissions/", HTTP_X_API_KEY=raw).status_code == 200
    # Not shown again on the key's page.
    assert raw not in client.get(f"/admin/partners/apikey/{key.pk}/change/").content.decode()
    client.post("/admin/partners/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert Client().get("/api/v1/submissions/", HTTP_X_API_KEY=raw).status_code == 401
