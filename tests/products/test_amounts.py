"""Amounts never mix currencies silently: bounds and sorts work within one currency (CNY unless
another is chosen), other currencies follow a sort, and the unit is always on screen."""

import re
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from products.models import Case, Product
from tests.catalogue.test_list_pages import total

pytestmark = pytest.mark.django_db


def api_cases(query: str) -> list[dict]:
    response = APIClient().get(f"/api/v1/cases/?{query}&page_size=500", HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content[:300]
    return response.json()["results"]


def test_the_data_has_amounts_in_several_currencies():
    # Otherwise the tests below could not fail.
    currencies = set(Case.objects.published().exclude(amount=None).values_list("currency", flat=True))
    assert "CNY" in currencies and len(currencies) >= 2


@pytest.mark.parametrize("direction", ["-", ""])
def test_amount_order_puts_the_currency_first_and_never_compares_across(direction):
    rows = api_cases(f"ordering={direction}amount")
    ranks = [2 if r["amount"] is None else 0 if r["currency"] == "CNY" else 1 for r in rows]
    assert ranks == sorted(ranks), "CNY amounts, then other currencies, then no amount"
    cny = [Decimal(r["amount"]) for r in rows if r["amount"] is not None and r["currency"] == "CNY"]
    assert cny == sorted(cny, reverse=direction == "-")
    # A chosen currency sorts first in its own units.
    usd = api_cases(f"ordering={direction}amount&currency=USD")
    assert usd and all(r["currency"] == "USD" for r in usd)


def test_amount_bounds_apply_within_one_currency(client):
    bound = 50_000_000
    html = client.get(f"/cases/?amount_min={bound}").content.decode()
    expected = Case.objects.published().filter(amount__gte=bound, currency="CNY").count()
    assert total(html) == expected
    # Cases whose number is large only because their currency is small are not "above 5000万元".
    foreign = Case.objects.published().filter(amount__gte=bound).exclude(currency="CNY")
    assert all(str(c.pk) not in re.findall(r"/cases/(\d+)/", html) for c in foreign)
    for currency in set(foreign.values_list("currency", flat=True)):
        n = Case.objects.published().filter(amount__gte=bound, currency=currency).count()
        assert total(client.get(f"/cases/?amount_min={bound}&currency={currency}").content.decode()) == n
    # Products: one of their cases in CNY within the bounds.
    products = Product.objects.published().filter(cases__amount__gte=bound, cases__currency="CNY").distinct()
    assert total(client.get(f"/products/?amount_min={bound}").content.decode()) == products.count()


def test_the_unit_and_the_rule_are_on_screen(client):
    html = client.get("/cases/?ordering=-amount&amount_min=1000").content.decode()
    notes = re.findall(r'<p class="note" role="note">([^<]+)</p>', html)
    assert len(notes) == 2 and all("元" in n for n in notes), notes
    assert re.search(r'<label for="id_amount_min">[^<]*（?\(?元', html)
    html = client.get("/cases/?amount_min=1000&currency=USD").content.decode()
    assert re.search(r'<label for="id_amount_min">[^<]*USD', html)
