"""Issue 20, finding 5: links that can be taken back. A shortlist is shared only when its owner
says so, with its notes only when ticked, and the owner can revoke, rotate (a new link, the old one
dead), give an expiry to, and delete it. A saved search's feed and unsubscribe links are separate
tokens, each rotatable: reading the feed does not let anyone stop the owner's email."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from advisor import services, tasks
from advisor.models import SavedSearch, Shortlist
from institutions.models import Region
from products.models import Case, Product
from tests.factories import confirmed_user

pytestmark = pytest.mark.django_db
NOTE = "利率待确认，客户内部评级B"


@pytest.fixture
def owner() -> Client:
    client = Client()
    client.force_login(confirmed_user("owner"))
    return client


def _shortlist(owner: Client) -> Shortlist:
    p = Product.objects.published().first()
    owner.post("/shortlists/add/", {"product": p.pk, "title": "杭州某数据公司"})
    sl = Shortlist.objects.get(title="杭州某数据公司")
    item = sl.items.get()
    owner.post(f"/shortlists/{sl.pk}/", {f"note-{item.pk}": NOTE})
    return sl


def _shared(sl: Shortlist) -> int:
    sl.refresh_from_db()
    return Client().get(f"/shortlists/shared/{sl.token}/").status_code


def test_a_shortlist_is_private_until_shared_and_the_share_can_be_revoked(owner):
    sl = _shortlist(owner)
    assert _shared(sl) == 404
    assert owner.post(f"/shortlists/{sl.pk}/share/", {"action": "share"}).status_code == 302
    assert _shared(sl) == 200
    owner.post(f"/shortlists/{sl.pk}/share/", {"action": "revoke"})
    assert _shared(sl) == 404


def test_rotating_kills_the_old_link(owner):
    sl = _shortlist(owner)
    owner.post(f"/shortlists/{sl.pk}/share/", {"action": "share"})
    old = sl.token
    owner.post(f"/shortlists/{sl.pk}/share/", {"action": "rotate"})
    sl.refresh_from_db()
    assert sl.token != old
    assert Client().get(f"/shortlists/shared/{old}/").status_code == 404
    assert _shared(sl) == 200


def test_a_share_expires(owner):
    sl = _shortlist(owner)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    owner.post(f"/shortlists/{sl.pk}/share/", {"action": "share", "expires": tomorrow.isoformat()})
    assert _shared(sl) == 200
    Shortlist.objects.filter(pk=sl.pk).update(share_expires=timezone.now() - dt.timedelta(seconds=1))
    assert _shared(sl) == 404


def test_an_expiry_in_the_past_is_refused_with_a_message(owner):
    sl = _shortlist(owner)
    r = owner.post(f"/shortlists/{sl.pk}/share/", {"action": "share", "expires": "2001-01-01"}, follow=True)
    assert "未来" in r.content.decode()  # "in the future", in the user's language
    assert _shared(sl) == 404
    r = owner.post(f"/shortlists/{sl.pk}/share/", {"action": "share", "expires": "not a date"}, follow=True)
    assert _shared(sl) == 404


def test_notes_are_private_unless_the_owner_ticks_share_notes(owner):
    sl = _shortlist(owner)
    owner.post(f"/shortlists/{sl.pk}/share/", {"action": "share"})
    sl.refresh_from_db()
    page = Client().get(f"/shortlists/shared/{sl.token}/").content.decode()
    assert NOTE not in page and Product.objects.published().first().name in page
    owner.post(f"/shortlists/{sl.pk}/share/", {"action": "share", "share_notes": "on"})
    assert NOTE in Client().get(f"/shortlists/shared/{sl.token}/").content.decode()


def test_the_owner_deletes_a_shortlist_and_others_cannot(owner):
    sl = _shortlist(owner)
    owner.post(f"/shortlists/{sl.pk}/share/", {"action": "share"})
    stranger = Client()
    stranger.force_login(confirmed_user("stranger"))
    assert stranger.post(f"/shortlists/{sl.pk}/share/", {"action": "rotate"}).status_code == 404
    assert stranger.post(f"/shortlists/{sl.pk}/delete/").status_code == 404
    assert owner.post(f"/shortlists/{sl.pk}/delete/").status_code == 302
    assert not Shortlist.objects.filter(pk=sl.pk).exists()
    assert Client().get(f"/shortlists/shared/{sl.token}/").status_code == 404


def _saved(owner: Client) -> SavedSearch:
    owner.post("/saved/", {"kind": "cases", "query": "province=330000", "name": "浙江案例"})
    return SavedSearch.objects.get(name="浙江案例")


def test_the_feed_token_does_not_unsubscribe(owner, django_capture_on_commit_callbacks):
    search = _saved(owner)
    assert search.token != search.unsubscribe_token
    assert Client().post(f"/saved/{search.token}/unsubscribe/").status_code == 404
    search.refresh_from_db()
    assert search.email_alerts
    product = Product.objects.published().filter(institution__isnull=False).first()
    Case.objects.create(
        key="feed-case",
        product=product,
        institution=product.institution,
        province=Region.objects.get(code="330000"),
        date=dt.date(2026, 1, 5),
        status="published",
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_digests()
    [msg] = mail.outbox
    assert f"/saved/{search.unsubscribe_token}/unsubscribe/" in msg.body
    assert f"/saved/{search.unsubscribe_token}/unsubscribe/" in msg.extra_headers["List-Unsubscribe"]
    assert Client().post(f"/saved/{search.unsubscribe_token}/unsubscribe/").status_code == 200
    search.refresh_from_db()
    assert not search.email_alerts


def test_feed_and_unsubscribe_links_rotate(owner):
    search = _saved(owner)
    feed, unsub = search.token, search.unsubscribe_token
    assert Client().get(f"/saved/{feed}/feed/").status_code == 200
    owner.post(f"/saved/{search.pk}/rotate/", {"which": "feed"})
    owner.post(f"/saved/{search.pk}/rotate/", {"which": "unsubscribe"})
    search.refresh_from_db()
    assert search.token != feed and search.unsubscribe_token != unsub
    assert Client().get(f"/saved/{feed}/feed/").status_code == 404
    assert Client().get(f"/saved/{search.token}/feed/").status_code == 200
    assert Client().get(f"/saved/{unsub}/unsubscribe/").status_code == 404
    stranger = Client()
    stranger.force_login(confirmed_user("stranger"))
    assert stranger.post(f"/saved/{search.pk}/rotate/", {"which": "feed"}).status_code == 404


def test_services_rotate_in_place():
    user = confirmed_user("svc")
    search = SavedSearch.objects.create(owner=user, name="s", kind="cases")
    old = search.unsubscribe_token
    services.saved_search_rotate(search=search, which="unsubscribe")
    assert SavedSearch.objects.get(pk=search.pk).unsubscribe_token not in ("", old)
