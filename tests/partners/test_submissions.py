"""Partner submissions: validated, stored as drafts, visible only to their partner, published
(as catalogue records with sources) or rejected with a reason by a curator."""

import copy
import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client

from catalogue.models import Status
from partners.models import Submission
from partners.services import submission_publish, submission_reject
from products.models import Case, Product
from tests.api_client import SUBMISSION, get, problem_fields
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def submit(api, key, data=SUBMISSION, status=201):
    response = api.post("/api/v1/submissions/", data, format="json", HTTP_X_API_KEY=key)
    assert response.status_code == status, response.content[:800]
    return response


def with_changes(**paths):
    data = copy.deepcopy(SUBMISSION)
    for path, value in paths.items():
        node, *rest = path.split("__")
        target = data[node]
        for part in rest[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(rest[-1]) if rest[-1].isdigit() else rest[-1]] = value
    return data


def test_a_valid_submission_is_stored_as_a_draft(api, submit_key, partner):
    response = submit(api, submit_key)
    body = response.json()
    assert body["status"] == "draft" and body["product"] is None and body["reason"] == ""
    assert response["Location"].endswith(f"/api/v1/submissions/{body['id']}/")
    assert body["resolved"]["product_institution"] == "交通银行湖南省分行"
    assert body["resolved"]["province"] == "430000" and body["resolved"]["city"] == "430100"
    assert body["submitted"]["case"]["amount"] == "5000000.00"
    sub = Submission.objects.get(pk=body["id"])
    assert sub.partner == partner and sub.status == Submission.Status.DRAFT
    # Nothing is in the public catalogue until a curator publishes it.
    assert not Product.objects.filter(name=SUBMISSION["product"]["name"]).exists()
    assert get(api, f"/api/v1/submissions/{body['id']}/", HTTP_X_API_KEY=submit_key).json() == body


def test_institutions_and_regions_resolve_by_alias_and_name(api, submit_key):
    data = with_changes(product__institution="交行", case__province="湖南省", case__city="430100")
    body = submit(api, submit_key, data).json()
    assert body["resolved"]["product_institution"] == "交通银行"
    assert body["resolved"]["city"] == "430100"


@pytest.mark.parametrize(
    "changes, fields",
    [
        ({"product__institution": "不存在的银行"}, ["product.institution"]),
        ({"case__institution": "另一家不存在的银行"}, ["case.institution"]),
        ({"product__category": "no-such-category"}, ["product.category"]),
        ({"product__themes": ["green-finance", "moon-finance"]}, ["product.themes"]),
        ({"case__province": "999999"}, ["case.province"]),
        ({"case__city": "广州市"}, ["case.city"]),  # not in 湖南省
        ({"case__date": "2024-02-30"}, ["case.date"]),
        ({"case__date": "2999-01-01"}, ["case.date"]),
        ({"case__date": "1949-10-01"}, ["case.date"]),
        ({"case__amount": "-5"}, ["case.amount"]),
        ({"case__amount": "1e20"}, ["case.amount"]),
        ({"case__amount": "abc"}, ["case.amount"]),
        ({"case__currency": "XYZ"}, ["case.currency"]),
        ({"case__currency": ""}, ["case.currency"]),
        ({"case__term_months": 0}, ["case.term_months"]),
        ({"sources__0__excerpt": "太短"}, ["sources.0.excerpt"]),
        ({"sources__0__url": "not a url"}, ["sources.0.url"]),
        ({"sources": []}, ["sources"]),
        ({"product__name": ""}, ["product.name"]),
    ],
)
def test_invalid_submissions_are_400_problems_naming_the_field(api, submit_key, changes, fields):
    data = {**SUBMISSION, **changes} if "sources" in changes else with_changes(**changes)
    response = submit(api, submit_key, data, status=400)
    assert problem_fields(response) == fields
    assert response.json()["type"].endswith(":validation-error")
    assert not Submission.objects.exists()


def test_several_failures_are_all_reported(api, submit_key):
    data = with_changes(product__institution="不存在", case__province="999999", case__date="2999-01-01")
    fields = problem_fields(submit(api, submit_key, data, status=400))
    assert set(fields) == {"product.institution", "case.province", "case.date"}


def test_missing_parts_and_bad_json(api, submit_key):
    assert set(problem_fields(submit(api, submit_key, {}, status=400))) == {"product", "case", "sources"}
    response = api.post(
        "/api/v1/submissions/", b'{"product": ', content_type="application/json", HTTP_X_API_KEY=submit_key
    )
    assert response.status_code == 400 and problem_fields(response) == ["body"]
    assert response.json()["type"].endswith(":malformed-request")
    response = api.post("/api/v1/submissions/", "x=1", content_type="text/plain", HTTP_X_API_KEY=submit_key)
    assert response.status_code == 415 and response["Content-Type"] == "application/problem+json"


def test_partners_see_only_their_own_submissions(api, submit_key, other_key):
    mine = submit(api, submit_key).json()["id"]
    theirs = submit(api, other_key).json()["id"]
    listed = get(api, "/api/v1/submissions/", HTTP_X_API_KEY=submit_key).json()
    assert [s["id"] for s in listed["results"]] == [mine]
    get(api, f"/api/v1/submissions/{theirs}/", status=404, HTTP_X_API_KEY=submit_key)
    get(api, f"/api/v1/submissions/{mine}/", status=404, HTTP_X_API_KEY=other_key)
    get(api, f"/api/v1/submissions/{mine}/", status=401)


def test_publishing_creates_a_published_product_and_case_with_sources(api, submit_key):
    sub = Submission.objects.get(pk=submit(api, submit_key).json()["id"])
    curator = User.objects.create_superuser("curator", "c@example.com", "pw")
    submission_publish(submission=sub, reviewer=curator)
    sub.refresh_from_db()
    assert sub.status == Submission.Status.PUBLISHED and sub.reviewed_by == curator
    product, case = sub.product, sub.case
    assert product.key == f"sub-{sub.pk}" and case.key == f"sub-{sub.pk}-1"
    assert product.status == case.status == Status.PUBLISHED
    assert product.institution.name == "交通银行湖南省分行" and case.city_id == "430100"
    assert case.date == dt.date(2024, 5, 20) and case.currency == "CNY" and case.amount == 5_000_000
    assert [t.slug for t in product.themes.all()] == ["digital-finance"]
    for record in (product, case):
        (source,) = record.sources.select_related("document")
        assert source.excerpt == SUBMISSION["sources"][0]["excerpt"]
        assert source.document.file_name == SUBMISSION["sources"][0]["url"]

    public = get(api, f"/api/v1/products/{product.pk}/").json()
    assert public["key"] == product.key and public["sources"][0]["locator"] == "第2段"
    assert get(api, f"/api/v1/cases/?product={product.pk}").json()["count"] == 1
    status = get(api, f"/api/v1/submissions/{sub.pk}/", HTTP_X_API_KEY=submit_key).json()
    assert status["status"] == "published" and status["product"] == {"id": product.pk, "key": product.key}
    with pytest.raises(ValidationError):
        submission_publish(submission=sub, reviewer=curator)  # only drafts


def test_rejecting_needs_a_reason_the_partner_reads(api, submit_key):
    sub = Submission.objects.get(pk=submit(api, submit_key).json()["id"])
    with pytest.raises(ValidationError):
        submission_reject(submission=sub, reviewer=None, reason="  ")
    submission_reject(submission=sub, reviewer=None, reason="来源无法核实")
    body = get(api, f"/api/v1/submissions/{sub.pk}/", HTTP_X_API_KEY=submit_key).json()
    assert body["status"] == "rejected" and body["reason"] == "来源无法核实"
    assert not Product.objects.filter(key__startswith="sub-").exists()
    listed = get(api, "/api/v1/submissions/?status=rejected", HTTP_X_API_KEY=submit_key).json()
    assert [s["id"] for s in listed["results"]] == [sub.pk]


def test_curator_publishes_and_rejects_in_the_admin(api, submit_key):
    first, second = (submit(api, submit_key).json()["id"] for _ in range(2))
    client = Client()
    client.force_login(User.objects.create_superuser("curator", "c@example.com", "pw"))
    changelist = "/admin/partners/submission/"
    assert client.get(changelist).status_code == 200
    assert client.get(f"{changelist}{first}/change/").status_code == 200
    client.post(changelist, {"action": "publish", "_selected_action": [first]})
    assert Submission.objects.get(pk=first).status == "published"
    assert Case.objects.filter(key=f"sub-{first}-1", status="published").exists()
    # Reject asks for a reason first, then applies it.
    form = client.post(changelist, {"action": "reject", "_selected_action": [second]})
    assert form.status_code == 200 and "reason" in form.content.decode()
    client.post(
        changelist, {"action": "reject", "_selected_action": [second], "apply": "1", "reason": "重复提交"}
    )
    rejected = Submission.objects.get(pk=second)
    assert rejected.status == "rejected" and rejected.reason == "重复提交"


def test_an_ambiguous_short_name_is_refused_as_the_loader_refuses_it(api, submit_key):
    InstitutionFactory.create_batch(2, short_name="测同名")
    response = submit(api, submit_key, with_changes(product__institution="测同名"), status=400)
    assert problem_fields(response) == ["product.institution"]
    assert not Submission.objects.exists()


def test_each_partner_counts_its_own_submissions(api, submit_key, other_key):
    """A list's kept count is per API key: the same filters on another partner's key count that
    partner's records, not the count kept for the first."""
    submit(api, submit_key)
    submit(api, submit_key)
    mine = get(api, "/api/v1/submissions/?status=draft", HTTP_X_API_KEY=submit_key).json()
    theirs = get(api, "/api/v1/submissions/?status=draft", HTTP_X_API_KEY=other_key).json()
    assert (mine["count"], len(mine["results"])) == (2, 2)
    assert (theirs["count"], theirs["results"]) == (0, [])
