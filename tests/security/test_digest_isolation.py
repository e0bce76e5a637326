"""Issue 20, finding 1: one saved search must not stop the daily digest of everyone else. A name
with a line break (a header injection attempt) is refused at input; a search whose run fails for
any reason is logged and retried while the other searches are delivered."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from advisor import services, tasks
from advisor.models import SavedSearch
from institutions.models import Region
from products.models import Case, Product
from tests.factories import confirmed_user

pytestmark = pytest.mark.django_db
HOSTILE = "my cases\r\nBcc: victim@example.test"


def _search(user: User, name: str) -> SavedSearch:
    s = SavedSearch.objects.create(owner=user, name=name, kind="cases", query="province=330000")
    services.mark_seen(s, services.current_records(s))
    return s


def _publish_case() -> Case:
    product = Product.objects.published().filter(institution__isnull=False).first()
    return Case.objects.create(
        key="isolation-case",
        product=product,
        institution=product.institution,
        province=Region.objects.get(code="330000"),
        date=dt.date(2026, 1, 5),
        status="published",
    )


def test_a_hostile_name_already_stored_does_not_stop_the_run(django_capture_on_commit_callbacks):
    # Stored before validation existed (or by a path that skipped it): the run must still go on.
    a, b, c = (confirmed_user(n) for n in ("rm-a", "rm-b", "rm-c"))
    _search(a, "浙江 A")
    _search(b, HOSTILE)
    _search(c, "浙江 C")
    _publish_case()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_digests()
    to = sorted(m.to[0] for m in mail.outbox)
    assert "rm-a@example.com" in to and "rm-c@example.com" in to
    for m in mail.outbox:
        assert "victim@example.test" not in m.bcc and "\n" not in m.subject and "\r" not in m.subject
        m.message()  # would raise BadHeaderError for a header with a line break


def test_one_failing_search_is_logged_and_retried_the_others_delivered(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    a, b, c = (confirmed_user(n) for n in ("rm-a", "rm-b", "rm-c"))
    _search(a, "A")
    broken = _search(b, "B")
    _search(c, "C")
    _publish_case()
    real = services.send_digest_email

    def flaky(search, records):  # noqa: ANN001, ANN202
        if search.pk == broken.pk:
            raise OSError("smtp hiccup")
        return real(search, records)

    monkeypatch.setattr(services, "send_digest_email", flaky)
    with (
        caplog.at_level(logging.ERROR, logger="advisor.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.send_digests()
    assert sorted(m.to[0] for m in mail.outbox) == ["rm-a@example.com", "rm-c@example.com"]
    assert any(str(broken.pk) in r.getMessage() for r in caplog.records)
    # Its records were not marked seen: the retry (here the next run) reports them.
    monkeypatch.setattr(services, "send_digest_email", real)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_digests()
    assert [m.to[0] for m in mail.outbox[2:]] == ["rm-b@example.com"]


def test_the_retry_task_reports_the_failed_search_once():
    user = confirmed_user("rm-r")
    s = _search(user, "R")
    _publish_case()
    assert tasks.send_digest(s.pk) == 1
    assert tasks.send_digest(s.pk) == 0  # idempotent
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("name", [HOSTILE, "a\nb", "tab\there", "nul\x00", "bidi\u202eevil", "sep\u2028x"])
def test_names_with_control_characters_are_refused_at_input(name):
    user = confirmed_user("rm-x")
    client = Client()
    client.force_login(user)
    r = client.post("/saved/", {"kind": "cases", "query": "province=330000", "name": name}, follow=True)
    assert not SavedSearch.objects.filter(owner=user).exists()
    assert "控制字符" in r.content.decode()  # the message, in the default language (Chinese)
    ok = SavedSearch.objects.create(owner=user, name="ok", kind="cases")
    r = client.post(f"/saved/{ok.pk}/edit/", {"name": name, "email_alerts": "on"})
    ok.refresh_from_db()
    page = r.content.decode()
    # The edge refuses NUL for every form (a 400 page naming the field); the form refuses the rest.
    assert ok.name == "ok" and "控制字符" in page
    assert r.status_code == (400 if "\x00" in name else 200)


def test_shortlist_titles_refuse_control_characters_too():
    user = confirmed_user("rm-s")
    client = Client()
    client.force_login(user)
    client.post("/shortlists/", {"title": HOSTILE})
    p = Product.objects.published().first()
    client.post("/shortlists/add/", {"product": p.pk, "title": HOSTILE})
    assert not user.shortlists.exists()
