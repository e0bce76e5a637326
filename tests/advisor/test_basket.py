"""The compare basket: added from lists and pages, kept in the session and on the account, in the
order chosen; the comparison is in that order, highlights differences and tells apart products
of one name by their institution."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from products.models import Case, Product

pytestmark = pytest.mark.django_db


def compare_ids(html: str) -> list[int]:
    import re

    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    return [int(x) for x in re.findall(r'href="/products/(\d+)/"', head)]


def test_basket_keeps_order_across_pages_and_compares_in_it(client):
    a, b, c = Product.objects.published().order_by("pk")[:3]
    client.post("/basket/add/", {"product": [c.pk], "next": "/products/"})
    client.post("/basket/add/", {"product": [a.pk, b.pk], "next": "/products/?page=2"})
    html = client.get("/basket/").content.decode()
    assert (
        html.index(f"/products/{c.pk}/") < html.index(f"/products/{a.pk}/") < html.index(f"/products/{b.pk}/")
    )
    r = client.post("/basket/add/", {"product": [a.pk], "then": "compare"})
    assert r.status_code == 302 and r["Location"].endswith(f"?product={c.pk}&product={a.pk}&product={b.pk}")
    assert compare_ids(client.get(r["Location"]).content.decode()) == [c.pk, a.pk, b.pk]
    client.post("/basket/change/", {"product": b.pk, "action": "up"})
    client.post("/basket/change/", {"product": c.pk, "action": "remove"})
    html = client.get("/basket/").content.decode()
    assert f"/products/{c.pk}/" not in html.split("<main", 1)[1]
    assert html.index(f"/products/{b.pk}/") < html.index(f"/products/{a.pk}/")


def test_compare_tells_apart_same_names_and_highlights_differences(client):
    from django.db.models import Count

    name = (
        Product.objects.published()
        .values("name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("name")[0]["name"]
    )
    same = list(Product.objects.published().filter(name=name).select_related("institution")[:2])
    html = client.get(f"/compare/?product={same[0].pk}&product={same[1].pk}").content.decode()
    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    for p in same:
        if p.institution:
            assert p.institution.name in head
    assert 'class="differs"' in html
    assert "print=1" in html and f"product={same[0].pk}&amp;product={same[1].pk}" in html


def test_cases_from_a_case_page_and_bad_input(client):
    c1, c2 = Case.objects.published()[:2]
    client.post("/basket/add/", {"case": c1.pk, "next": f"/cases/{c1.pk}/"})
    client.post("/basket/add/", {"case": [c2.pk, "abc", "-3"], "next": "https://evil.example/"})
    html = client.get("/basket/").content.decode()
    assert f"/cases/{c1.pk}/" in html and f"/cases/{c2.pk}/" in html
    assert client.get("/basket/add/").status_code == 405
    r = client.post("/basket/add/", {"case": "x", "next": "https://evil.example/"})
    assert r.status_code == 302 and "evil" not in r["Location"]


def test_basket_follows_the_account(client):
    p = Product.objects.published().first()
    client.post("/basket/add/", {"product": p.pk})
    User.objects.create_user("rm", password="a-long-password-1")
    # Through the sign-in page (the admin lockout backend needs the request, as real sign-ins have).
    signin = {"username": "rm", "password": "a-long-password-1"}
    assert client.post("/accounts/login/", signin).status_code == 302
    assert f"/products/{p.pk}/" in client.get("/basket/").content.decode()
    client.logout()
    assert f"/products/{p.pk}/" not in client.get("/basket/").content.decode().split("<main", 1)[1]
    assert client.post("/accounts/login/", signin).status_code == 302
    assert f"/products/{p.pk}/" in client.get("/basket/").content.decode()
