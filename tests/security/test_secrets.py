"""Issue 20, finding 6: secrets kept out of where they leak. Tokens in paths are masked in the
access log (and Django's request log); a new API key is shown in the response of the POST that
made it, never in the signed but readable messages cookie; the insights CSVs neutralise formulas
as the list exports do. (Webhook signatures over a timestamp: tests/security/test_webhooks.py.)"""

from __future__ import annotations

import csv
import io
import json
import logging

import pytest
from django.contrib.auth.models import User
from django.contrib.messages.storage.cookie import CookieStorage
from django.core import mail
from django.http import HttpRequest
from django.test import Client

from advisor.models import SavedSearch, Shortlist
from catalogue.logmask import mask
from institutions.models import Institution
from partners.models import ApiKey, Partner
from products.models import Case, Product
from tests.factories import confirmed_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/shortlists/shared/{t}/",
        "/saved/{t}/feed/",
        "/saved/{t}/unsubscribe/",
        "/accounts/confirm/{t}/",
        "/accounts/reset/MTIz/{t}/",
        "/en/saved/{t}/feed/",
    ],
)
def test_mask_hides_tokens_in_paths(path):
    token = "Sx3cr3t-T0ken_value.with:colons"
    masked = mask(path.format(t=token))
    assert token not in masked and "Sx3cr3t" not in masked
    assert mask("/products/12/") == "/products/12/"


def test_query_secrets_are_masked():
    assert "abc123" not in mask("token=abc123&page=2") and "page=2" in mask("token=abc123&page=2")


def test_the_access_log_masks_share_feed_and_reset_tokens(caplog):
    user = confirmed_user("logged")
    sl = Shortlist.objects.create(owner=user, title="t", shared=True)
    search = SavedSearch.objects.create(owner=user, name="n", kind="cases")
    client = Client()
    with caplog.at_level(logging.INFO):
        client.get(f"/shortlists/shared/{sl.token}/")
        client.get(f"/saved/{search.token}/feed/")
        client.get(f"/saved/{search.unsubscribe_token}/unsubscribe/")
        client.get("/saved/no-such-token-abcdef/feed/")  # a 404: django.request logs its path too
        client.post("/accounts/password_reset/", {"email": user.email})
        reset_path = mail.outbox[0].body.split("/accounts/reset/")[1].split()[0]
        client.get(f"/accounts/reset/{reset_path}")
    text = "\n".join(
        f"{r.getMessage()} {json.dumps({k: str(v) for k, v in vars(r).items()}, ensure_ascii=False)}"
        for r in caplog.records
    )
    for secret in (sl.token, search.token, search.unsubscribe_token, "no-such-token-abcdef"):
        assert secret not in text
    assert reset_path.split("/")[1] not in text
    access = [r for r in caplog.records if r.name == "catalogue.access"]
    assert any("/shortlists/shared/" in r.path for r in access)  # the path is still there, masked


def test_a_new_api_key_is_shown_in_the_response_not_in_a_cookie():
    curator = User.objects.create_superuser("curator-s", "cs@example.com", "pw")
    partner = Partner.objects.create(name="某银行")
    client = Client()
    client.force_login(curator)
    r = client.post("/admin/partners/apikey/add/", {"partner": partner.pk, "name": "k1", "scope": "read"})
    assert r.status_code == 200
    page = r.content.decode()
    raw = page.split('<code id="new-api-key">')[1].split("</code>")[0]
    assert raw.startswith(ApiKey.objects.get(name="k1").prefix + ".")
    assert r["Cache-Control"].startswith("no-store") or "no-store" in r["Cache-Control"]
    cookie = client.cookies.get("messages")
    if cookie is not None:
        storage = CookieStorage(HttpRequest())
        assert raw not in str(storage._decode(cookie.value))
    assert raw not in str(client.session.items())
    assert raw not in client.get("/admin/partners/apikey/").content.decode()
    assert Client().get("/api/v1/products/", HTTP_X_API_KEY=raw).status_code == 200


def test_insights_csv_cells_cannot_be_formulas():
    product = Product.objects.published().filter(institution__isnull=False).first()
    evil = Institution.objects.create(
        name='=HYPERLINK("http://evil.example","x")', kind=product.institution.kind
    )
    for i in range(40):  # enough to rank among the top institutions
        Case.objects.create(key=f"formula-{i}", product=product, institution=evil, status="published")
    body = Client().get("/insights/institutions-by-cases.csv").content.decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(body)) for c in row]
    assert "'" + evil.name in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
