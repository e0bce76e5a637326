"""Partner submissions go through the shared place rule (institutions.places.check_places)."""

import pytest

from tests.partners.test_submissions import with_changes

pytestmark = pytest.mark.django_db


def test_partner_submission_uses_the_same_place_rule(api, submit_key):
    data = with_changes(case__province="上海市", case__city="长沙市")
    response = api.post("/api/v1/submissions/", data, format="json", HTTP_X_API_KEY=submit_key)
    assert response.status_code == 400
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) == {"case.city"}
    assert "长沙市" in str(errors["case.city"]) and "上海市" in str(errors["case.city"])
