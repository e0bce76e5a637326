"""The numbers on /insights/ are the counts of the lists they link to, under several filter states."""

from __future__ import annotations

import csv
import io
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

STATES = [
    "",
    "province=370000",
    "theme=green-finance&theme=digital-finance",
    "category=credit&date_after=2024-05-01&date_before=2024-05-20",
    "province=330000&issued_after=2020-01-01&currency=CNY&level=central",
]


def list_total(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["listing"].total


def linked_figures(context) -> list[tuple[str, int]]:
    """(list url, figure shown) for every linked number on the page."""
    out = []
    for layer in context["maps"].values():
        out += [(d["url"], d["value"]) for d in layer["provinces"]]
        out += [(d["url"], d["value"]) for cities in layer["cities"].values() for d in cities]
    for chart in context["charts"]:
        for series in chart.series:
            out += [(d["url"], d["value"]) for d in series["data"] if d["value"]]
        if chart.slug == "institutions-by-cases" or chart.slug == "policies-by-issuer":
            out += [(url, row[1]) for row, url in zip(chart.rows, chart.urls, strict=True)]
        if chart.slug == "institutions-by-amount":
            out += [(url, row[2]) for row, url in zip(chart.rows, chart.urls, strict=True)]
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
def test_every_figure_is_the_count_of_its_list(client, state):
    response = client.get(f"/insights/?{state}")
    assert response.status_code == 200
    figures = linked_figures(response.context)
    assert figures, "the page shows no linked figure"
    for url, shown in dict(figures).items():
        assert list_total(client, url) == shown, url


def _root(case) -> int:
    """The head office a case's institution rolls up to (itself when it is one)."""
    return case.institution.head_office_id or case.institution_id


def expected_ranking(province: str | None = None) -> tuple[dict[int, int], dict[int, Decimal]]:
    """Cases and CNY amounts (in 10,000 yuan) per head office, counted here in Python from the
    published cases, not by the code under test."""
    from products.models import Case

    cases = Case.objects.published().select_related("institution").exclude(institution=None)
    if province:
        cases = cases.filter(province_id=province)
    counts: Counter[int] = Counter()
    amounts: dict[int, Decimal] = {}
    for case in cases:
        counts[_root(case)] += 1
        if case.currency == "CNY" and case.amount is not None:
            amounts[_root(case)] = amounts.get(_root(case), Decimal(0)) + case.amount / Decimal(10000)
    return dict(counts), amounts


def assert_top(shown: dict[str, Any], expected: dict[str, Any], top: int = 15) -> None:
    """`shown` is the head of `expected` by value: every figure right, none larger left out."""
    assert shown and len(shown) == min(top, len(expected))
    for name, value in shown.items():
        assert value == expected[name], name
    left_out = [v for k, v in expected.items() if k not in shown]
    assert all(v <= min(shown.values()) for v in left_out)


def names_of(pks) -> dict[int, str]:
    from institutions.models import Institution

    return dict(Institution.objects.filter(pk__in=pks).values_list("pk", "name"))


@pytest.mark.django_db
def test_the_whole_catalogue_adds_up_on_the_map(client):
    from policies.models import Policy
    from products.models import Case

    maps = client.get("/insights/").context["maps"]
    cases = Case.objects.published()
    expected_cases = Counter(cases.exclude(province=None).values_list("province_id", flat=True))
    assert {d["code"]: d["value"] for d in maps["cases"]["provinces"]} == expected_cases
    expected_policies = Counter(
        Policy.objects.published().exclude(province=None).values_list("province_id", flat=True)
    )
    assert {d["code"]: d["value"] for d in maps["policies"]["provinces"]} == expected_policies
    # A product counts once in each province where one of its published cases is.
    pairs = set(
        cases.filter(product__status="published")
        .exclude(province=None)
        .values_list("product_id", "province_id")
    )
    expected_products = Counter(province for _product, province in pairs)
    assert {d["code"]: d["value"] for d in maps["products"]["provinces"]} == expected_products
    cities = {d["code"]: d["value"] for layer in maps["cases"]["cities"].values() for d in layer}
    assert cities == Counter(cases.exclude(city=None).values_list("city_id", flat=True))
    # Chinese region names, not codes, label the provinces
    assert all(d["name"] != d["code"] for d in maps["cases"]["provinces"])


@pytest.mark.django_db
def test_amounts_are_added_in_one_currency_only(client):
    chart = next(c for c in client.get("/insights/").context["charts"] if c.slug == "institutions-by-amount")
    _counts, amounts = expected_ranking()
    names = names_of(amounts)
    expected = {names[pk]: round(total, 2) for pk, total in amounts.items()}
    assert_top({row[0]: row[1] for row in chart.rows}, expected)
    assert all("currency=CNY" in url for url in chart.urls)


@pytest.mark.django_db
def test_csv_matches_the_table(client):
    page = client.get("/insights/?province=370000").context
    chart = next(c for c in page["charts"] if c.slug == "institutions-by-cases")
    counts, _amounts = expected_ranking("370000")
    names = names_of(counts)
    expected = {names[pk]: n for pk, n in counts.items()}
    assert_top({row[0]: row[1] for row in chart.rows}, expected)
    response = client.get("/insights/institutions-by-cases.csv?province=370000")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == [str(c) for c in chart.columns]
    assert_top({r[0]: int(r[1]) for r in rows[1:]}, expected)
    assert client.get("/insights/no-such-chart.csv").status_code == 404
    assert client.get("/insights/map-nothing.csv").status_code == 404


@pytest.mark.django_db
def test_bad_filters_are_reported_in_words_and_the_rest_applied(client):
    response = client.get("/insights/?province=999999&date_after=someday")
    assert response.status_code == 200
    errors = response.context["errors"]
    assert errors and all("_" not in label for label in errors)
    alert = response.content.decode().split('role="alert"')[1].split("</div>")[0]
    assert "date_after" not in alert and "province" not in alert


@pytest.mark.django_db
def test_outlines_and_library_are_our_own_static_files(client):
    from django.contrib.staticfiles import finders

    html = client.get("/insights/").content.decode()
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert "cdn" not in html.lower()
    china = finders.find("vendor/china-geo/china.json")
    assert china and finders.find("vendor/china-geo/province/330000.json")
    import json

    with open(china, encoding="utf-8") as f:
        codes = {feat["properties"]["code"] for feat in json.load(f)["features"]}
    assert {"110000", "120000", "370000", "650000"} <= codes
