"""What the API tests share: a GET that checks its status, the problem-details reader and a
valid partner submission."""

from __future__ import annotations

import copy

from partners.api import EXAMPLE


def get(api, url, status=200, **headers):
    response = api.get(url, HTTP_ACCEPT="application/json", **headers)
    assert response.status_code == status, response.content[:800]
    return response


def get_json(api, url, status=200):
    """A GET's JSON body, after checking its status."""
    return get(api, url, status).json()


def check_institution(ref) -> None:
    assert isinstance(ref["id"], int) and isinstance(ref["name"], str) and ref["name"]
    ho = ref["head_office"]
    assert ho is None or (isinstance(ho["id"], int) and isinstance(ho["name"], str))


def check_region(ref) -> None:
    assert ref is None or (len(ref["code"]) == 6 and isinstance(ref["name"], str))


def check_sources(sources) -> None:
    assert sources, "every record carries its sources"
    for s in sources:
        assert s["document"].endswith(".txt") and s["locator"] and 12 <= len(s["excerpt"]) <= 80


def problem_fields(response) -> list:
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    body = response.json()
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(body)
    assert body["status"] == response.status_code
    return [e["field"] for e in body["errors"]]


def _submission() -> dict:
    """The example the API documents (partners/api.py), renamed so tests tell their drafts apart,
    with one theme and without the optional milestone and publisher."""
    data = copy.deepcopy(EXAMPLE)
    data["product"].update(
        name="数据资产质押贷（测试）", themes=["digital-finance"], description="以数据资产作质押。"
    )
    del data["case"]["milestone"]
    del data["sources"][0]["publisher"]
    return data


SUBMISSION = _submission()
