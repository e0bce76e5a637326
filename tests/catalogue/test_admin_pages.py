"""Every admin page of the project's models renders for a curator, and the forms of records that
inherit their place fields (institutions.models.Placed) keep them where a curator expects them:
after the record's own leading fields, province → city → district together."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

pytestmark = pytest.mark.django_db

APPS = {"catalogue", "institutions", "products", "policies", "loader", "partners", "advisor"}
MODELS = sorted((m for m in admin.site._registry if m._meta.app_label in APPS), key=lambda m: m._meta.label)


@pytest.fixture
def curator(client):
    client.force_login(User.objects.create_superuser("curator", "c@example.com", "pw"))
    return client


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_list_add_and_change_pages_render(curator, model):
    assert curator.get(_url(model, "changelist")).status_code == 200
    add = curator.get(_url(model, "add"))
    assert add.status_code in (200, 403)  # 403: records that only a workflow creates
    first = model._default_manager.order_by("pk").first()
    if first is not None:
        assert curator.get(_url(model, "change", first.pk)).status_code == 200


def _field_order(html: str) -> list[str]:
    """The names of the main form's inputs in page order (inline formsets' prefixed names left out)."""
    names = re.findall(r'<(?:input|select|textarea)[^>]*\bname="([a-z_]+)"', html)
    return list(dict.fromkeys(n for n in names if n != "csrfmiddlewaretoken"))


@pytest.mark.parametrize(
    ("label", "first", "before_places", "after_places"),
    [
        ("institutions.Institution", "name", "parent", None),
        ("products.Case", "key", "client", "milestone"),
        ("policies.Policy", "key", "level", "issued_date"),
    ],
)
def test_place_fields_stay_in_their_place_on_the_form(curator, label, first, before_places, after_places):
    model = apps.get_model(label)
    order = _field_order(curator.get(_url(model, "add")).content.decode())
    assert order[0] == first
    at = order.index("province")
    assert order[at - 1 : at + 3] == [before_places, "province", "city", "district"]
    if after_places:
        assert order[at + 3] == after_places
