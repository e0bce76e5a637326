"""A problem body speaks one language: the request's (Accept-Language, or `?lang=` first). Title,
detail, every message and the v1 per-field members are all in it, and `detail` names each failed
input by its label in that language while `field` keeps the parameter's name."""

import copy
import json
import re

import jsonschema
import pytest
from rest_framework.test import APIClient

from partners.api import EXAMPLE
from partners.models import ApiKey, Partner
from partners.services import api_key_create

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# Bad requests of every kind of message: pagination, the cursor, sync, empty values, django-filter
# and Django form fields, our range check, the match form's region field, details, unknown paths,
# API keys. Inputs are ASCII so that an English answer echoing them has no Chinese of its own.
BAD = [
    "/api/v1/products/?page_size=0",
    "/api/v1/products/?page_size=x",
    "/api/v1/products/?ordering=zzz&province=999999&category=nope",
    "/api/v1/cases/?page=abc",
    "/api/v1/cases/?page=99999",
    "/api/v1/cases/?cursor=zzz",
    "/api/v1/cases/?pagination=x",
    "/api/v1/cases/?cursor=abc&pagination=page",
    "/api/v1/cases/?date_after=xx&amount_min=abc",
    "/api/v1/cases/?amount_min=10&amount_max=1",
    "/api/v1/products/?modified_since=tomorrow",
    "/api/v1/products/?q=",
    "/api/v1/products/?format=",
    "/api/v1/metrics/?as_of_after=x",
    "/api/v1/institutions/?kind=zz",
    "/api/v1/policies/?level=xx",
    "/api/v1/match/?province=Mars&city=Atlantis&size=huge&amount=-1",
    "/api/v1/products/999999/",
    "/api/v1/no-such-resource/",
    "/api/v1/submissions/",
]


def texts(body: dict) -> list[str]:
    """Every human-readable string of a problem body, the v1 per-field members included."""
    out = [body["title"], body["detail"], *(e["message"] for e in body["errors"])]
    reserved = {"type", "title", "status", "detail", "instance", "errors"}
    for name, messages in body.items():
        if name not in reserved:
            out += messages
    return out


def problem(url: str, **headers) -> dict:
    response = APIClient().get(url, HTTP_ACCEPT="application/json", **headers)
    assert response.status_code >= 400 and response["Content-Type"] == "application/problem+json"
    return response.json()


@pytest.mark.parametrize("url", BAD)
def test_the_same_bad_request_answers_wholly_in_english_or_wholly_in_chinese(url):
    english = problem(url, HTTP_ACCEPT_LANGUAGE="en")
    chinese = problem(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert [e["field"] for e in english["errors"]] == [e["field"] for e in chinese["errors"]]
    for text in texts(english):
        assert not CJK.search(text), text
    for text in texts(chinese):
        assert CJK.search(text), f"an English message in a Chinese answer: {text!r}"


def test_lang_parameter_wins_over_accept_language():
    body = problem("/api/v1/products/?page_size=0&lang=en", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert body["title"] == "Invalid request"
    assert body["detail"] == "Per page (page_size): Must be from 1 to 500; got 0."
    body = problem("/api/v1/products/?page_size=0&lang=zh-hans", HTTP_ACCEPT_LANGUAGE="en")
    assert body["title"] == "请求无效"
    assert body["detail"] == "每页（page_size）：须在 1 到 500 之间；收到的是 0。"


def test_detail_names_inputs_by_their_label_and_field_keeps_the_parameter():
    """The issue's example: 未知的province：火星 named the parameter in English inside Chinese."""
    body = problem("/api/v1/match/?province=火星", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert body["errors"] == [{"field": "province", "message": "未知的省份：火星"}]
    assert body["detail"] == "省份（province）：未知的省份：火星"
    assert body["province"] == ["未知的省份：火星"]


def test_a_missing_record_is_named_in_the_request_language():
    assert problem("/api/v1/products/999999/", HTTP_ACCEPT_LANGUAGE="en")["detail"] == (
        "No product with this identifier."
    )
    assert problem("/api/v1/products/999999/", HTTP_ACCEPT_LANGUAGE="zh-hans")["detail"] == (
        "没有这个标识符的产品。"
    )


def test_the_per_field_members_are_documented_in_the_schema():
    schema = APIClient().get("/api/schema/?format=json").json()
    problem_schema = schema["components"]["schemas"]["Problem"]
    members = problem_schema["additionalProperties"]
    # A top-level input's messages, and a body part's nested messages (too many sources: DRF says
    # {"non_field_errors": [...]}; one bad source: a list with an entry per item) both fit.
    jsonschema.validate(["must be from 1 to 500"], members)
    jsonschema.validate({"non_field_errors": ["at most 10"]}, members)
    jsonschema.validate([{}, {"url": ["not a URL"]}], members)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("a bare string", members)
    example = schema["paths"]["/api/v1/cases/"]["get"]["responses"]["400"]["content"]
    example = next(iter(example["application/problem+json"]["examples"].values()))["value"]
    assert example["province"] == [example["errors"][0]["message"]]


def _unresolvable_submission() -> str:
    """The documented example with references the catalogue cannot resolve (partners.services)."""
    data = copy.deepcopy(EXAMPLE)
    data["product"].update(institution="no-such-bank", category="no-such-category", themes=["nope"])
    data["case"].update(province="999999", date="1900-01-01")
    return json.dumps(data)


BAD_BODIES = [
    "{bad json",
    '{"a": "\\u0000"}',
    '{"product": {"name": ""}, "case": {}, "sources": []}',
    _unresolvable_submission(),
]


@pytest.mark.parametrize("data", BAD_BODIES)
def test_a_bad_submission_answers_in_one_language(data):
    partner = Partner.objects.create(name="某银行CRM")
    key = api_key_create(partner=partner, name="crm", scope=ApiKey.Scope.SUBMIT)[1]

    def post(lang: str) -> list[str]:
        response = APIClient().post(
            "/api/v1/submissions/",
            data=data,
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE=lang,
            HTTP_X_API_KEY=key,
        )
        assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
        body = response.json()
        return [body["title"], body["detail"], *(e["message"] for e in body["errors"])]

    english, chinese = post("en"), post("zh-hans")
    assert len(english) > 2
    assert not any(CJK.search(t) for t in english), english
    assert all(CJK.search(t) for t in chinese), chinese


@pytest.mark.parametrize("url", ["/api/v1/cases/?q=%00", "/api/v1/cases/%00/"])
def test_control_characters_are_refused_in_the_request_language(url):
    english = problem(url, HTTP_ACCEPT_LANGUAGE="en")
    chinese = problem(f"{url}{'&' if '?' in url else '?'}lang=zh-hans", HTTP_ACCEPT_LANGUAGE="en")
    assert not any(CJK.search(t) for t in texts(english))
    assert all(CJK.search(t) for t in texts(chinese))
