"""Policies through the read API: the contract's fields and types."""

import datetime as dt

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api():
    return APIClient()


def get(api, url, status=200):
    response = api.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == status, response.content[:500]
    return response.json()


def check_region(ref):
    assert ref is None or (len(ref["code"]) == 6 and isinstance(ref["name"], str))


def check_sources(sources):
    assert sources, "every record carries its sources"
    for s in sources:
        assert s["document"].endswith(".txt") and s["locator"] and 12 <= len(s["excerpt"]) <= 80


@pytest.mark.django_db
def test_policy_fields(api):
    results = get(api, "/api/v1/policies/?page_size=200")["results"]
    assert len(results) >= 100
    for p in results:
        assert isinstance(p["id"], int) and p["title"]
        assert isinstance(p["document_title"], str)
        assert p["issuer"] is None or (isinstance(p["issuer"]["id"], int) and p["issuer"]["name"])
        assert p["level"] in {"central", "provincial", "municipal", "district"}
        check_region(p["province"])
        assert p["issued_date"] is None or dt.date.fromisoformat(p["issued_date"])
        assert isinstance(p["topics"], list)
        check_sources(p["sources"])
        if p["level"] != "central":
            assert p["province"] is not None
