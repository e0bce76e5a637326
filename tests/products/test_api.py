"""Cases and products through the read API: the contract's fields and types, a case as the document
writes it, filters and the head-office rule."""

import datetime as dt
from decimal import Decimal

import pytest

from institutions.models import Institution
from products.models import Case
from tests.api_client import check_institution, check_region, check_sources
from tests.api_client import get_json as get


@pytest.mark.django_db
def test_case_fields(api):
    results = get(api, "/api/v1/cases/?page_size=200")["results"]
    assert len(results) == Case.objects.published().count()
    for c in results:
        assert isinstance(c["id"], int)
        assert c["date"] is None or dt.date.fromisoformat(c["date"])
        assert c["amount"] is None or Decimal(c["amount"]) >= 0
        assert isinstance(c["currency"], str) and (c["amount"] is None or len(c["currency"]) == 3)
        check_institution(c["institution"])
        assert isinstance(c["product"]["id"], int) and c["product"]["name"]
        assert set(c["product"]["category"]) >= {"slug", "name"}
        check_region(c["province"])
        check_region(c["city"])
        check_sources(c["sources"])


@pytest.mark.django_db
def test_a_known_case_reads_as_in_the_document(api):
    """表1 row 1: 交通银行湖南省分行, 2024-04-29, 27万美元, 益阳市."""
    rows = get(api, "/api/v1/cases/?page_size=200&currency=USD")["results"]
    row = next(c for c in rows if c["date"] == "2024-04-29")
    assert Decimal(row["amount"]) == Decimal("270000")
    assert row["institution"]["head_office"]["name"] == "交通银行"
    assert row["province"]["code"] == "430000" and row["city"]["name"] == "益阳市"


@pytest.mark.django_db
def test_product_fields(api):
    for p in get(api, "/api/v1/products/?page_size=200")["results"]:
        assert isinstance(p["id"], int) and p["name"]
        assert p["institution"] is None or check_institution(p["institution"]) is None
        assert p["category"]["slug"] and p["category"]["name"]
        assert isinstance(p["themes"], list) and all(isinstance(t, str) for t in p["themes"])
        check_sources(p["sources"])


@pytest.mark.django_db
def test_filters_and_bad_filter_values(api):
    hunan = get(api, "/api/v1/cases/?province=430000")
    assert hunan["count"] >= 2 and all(c["province"]["code"] == "430000" for c in hunan["results"])
    data = get(api, "/api/v1/products/?category=data-asset-pledge-loan&page_size=200")
    assert data["count"] >= 5 and {p["category"]["slug"] for p in data["results"]} == {
        "data-asset-pledge-loan"
    }
    # A parent category includes its children.
    assert get(api, "/api/v1/products/?category=credit")["count"] > data["count"]
    for bad in ["province=999999", "category=no-such-thing", "date_after=2024-13-40", "amount_min=-5"]:
        assert get(api, f"/api/v1/cases/?{bad}", status=400)


@pytest.mark.django_db
def test_head_office_filter_includes_branches(api):
    xingye = Institution.objects.get(name="兴业银行")
    body = get(api, f"/api/v1/cases/?institution={xingye.pk}&page_size=200")
    assert body["count"] >= 5
    assert all(
        c["institution"]["head_office"]
        and c["institution"]["head_office"]["id"] == xingye.pk
        or c["institution"]["id"] == xingye.pk
        for c in body["results"]
    )
