"""Small things a manager hits: feed links on the site's own address, unsubscribing twice, and the
shortlist a product is added to by default."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from advisor.models import SavedSearch, Shortlist
from products.models import Case, Product
from tests.factories import confirmed_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def search() -> SavedSearch:
    province = Case.objects.published().exclude(province=None).values_list("province", flat=True).first()
    return SavedSearch.objects.create(
        owner=confirmed_user("feeder"), name="cases here", kind="cases", query=f"province={province}"
    )


def feed_links(response) -> list[str]:
    return re.findall(r'<link href="([^"]+)"', response.content.decode())


@pytest.mark.parametrize("host", ["localhost:8123", "127.0.0.1:9000"])
def test_feed_links_use_the_requests_own_host_and_port(search, settings, host):
    settings.SITE_URL_CONFIGURED = ""
    response = Client().get(f"/saved/{search.token}/feed/", HTTP_HOST=host)
    links = feed_links(response)
    entries = [u for u in links if re.search(r"/cases/\d+/$", u)]
    assert entries, links
    assert all(u.startswith(f"http://{host}/") for u in links), links


def test_feed_links_use_the_configured_site_url(search, settings):
    settings.SITE_URL_CONFIGURED = "https://catalogue.example.org"
    links = feed_links(Client().get(f"/saved/{search.token}/feed/", HTTP_HOST="localhost:8123"))
    entries = [u for u in links if re.search(r"/cases/\d+/$", u)]
    assert entries and all(u.startswith("https://catalogue.example.org/cases/") for u in entries), links


def test_unsubscribing_twice_says_already_unsubscribed(search):
    url = f"/saved/{search.unsubscribe_token}/unsubscribe/"
    first = Client().get(url).content.decode()
    assert "<form" in first.split('id="main"')[1]
    done = Client().post(url)
    search.refresh_from_db()
    assert done.status_code == 200 and not search.email_alerts
    for again in (Client().get(url + "?lang=en"), Client().post(url + "?lang=en")):
        body = again.content.decode().split('id="main"')[1]
        assert "already unsubscribed" in body.lower() and 'method="post"' not in body


def test_shortlist_select_defaults_to_the_users_latest_list():
    user = confirmed_user("rm")
    client = Client()
    client.force_login(user)
    product = Product.objects.published().first()
    html = client.get(f"/products/{product.pk}/").content.decode()
    select = re.search(r'<select name="shortlist".*?</select>', html, re.S).group(0)
    assert re.search(r'<option value="" selected', select) is None
    assert 'value=""' in select  # "new…" still offered
    Shortlist.objects.create(owner=user, title="older client")
    latest = Shortlist.objects.create(owner=user, title="latest client")
    html = client.get(f"/products/{product.pk}/").content.decode()
    select = re.search(r'<select name="shortlist".*?</select>', html, re.S).group(0)
    chosen = re.findall(r'<option value="(\d*)" selected>', select)
    assert chosen == [str(latest.pk)]
