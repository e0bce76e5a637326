"""Policies through the read API: the contract's fields and types."""

import datetime as dt

import pytest

from tests.api_client import check_region, check_sources
from tests.api_client import get_json as get


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
