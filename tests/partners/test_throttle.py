"""Rate limits: per IP without a key, per key (higher) with one, submissions per key; 429 is a
problem with Retry-After."""

import pytest
from django.conf import settings
from django.test import override_settings

from tests.api_client import SUBMISSION, get

pytestmark = pytest.mark.django_db


def rates(**overrides):
    config = {**settings.REST_FRAMEWORK}
    config["DEFAULT_THROTTLE_RATES"] = {**config["DEFAULT_THROTTLE_RATES"], **overrides}
    return override_settings(REST_FRAMEWORK=config)


def test_anonymous_requests_are_limited_per_ip_with_retry_after(api):
    with rates(anon="3/min", key="100/min"):
        for _ in range(3):
            get(api, "/api/v1/themes/")
        response = get(api, "/api/v1/themes/", status=429)
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["type"].endswith(":throttled")
        assert 0 < int(response["Retry-After"]) <= 60
        # Another client IP has its own budget.
        get(api, "/api/v1/themes/", REMOTE_ADDR="10.0.0.2")
        # A forged X-Forwarded-For does not buy a fresh budget.
        get(api, "/api/v1/themes/", status=429, HTTP_X_FORWARDED_FOR="10.9.9.9")


def test_a_key_has_its_own_higher_limit(api, read_key, other_key):
    with rates(anon="2/min", key="5/min"):
        for _ in range(2):
            get(api, "/api/v1/themes/")
        get(api, "/api/v1/themes/", status=429)
        for _ in range(5):
            get(api, "/api/v1/themes/", HTTP_X_API_KEY=read_key)
        assert get(api, "/api/v1/themes/", status=429, HTTP_X_API_KEY=read_key)["Retry-After"]
        get(api, "/api/v1/themes/", HTTP_X_API_KEY=other_key)  # keys are counted apart


def test_submissions_have_their_own_limit(api, submit_key):
    with rates(submission="2/hour", key="100/min"):
        for _ in range(2):
            assert (
                api.post(
                    "/api/v1/submissions/", SUBMISSION, format="json", HTTP_X_API_KEY=submit_key
                ).status_code
                == 201
            )
        response = api.post("/api/v1/submissions/", SUBMISSION, format="json", HTTP_X_API_KEY=submit_key)
        assert response.status_code == 429 and int(response["Retry-After"]) > 60
        get(api, "/api/v1/submissions/", HTTP_X_API_KEY=submit_key)  # reading still works
