"""partners.services called directly: API keys issued hashed and revoked, and the submission
workflow (draft → published or rejected) with the rows each step writes."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError

from catalogue.models import Status
from partners.models import ApiKey, Submission
from partners.selectors import api_key_for
from partners.services import (
    api_key_create,
    api_key_issue,
    api_key_revoke,
    hash_key,
    institution_by_name,
    submission_create,
    submission_publish,
    submission_reject,
)
from products.models import Case, Product
from tests.factories import AliasFactory, InstitutionFactory, PartnerFactory, api_key, submission_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator():
    return User.objects.create_user("curator", "curator@example.org", "Long-pass-9981", is_staff=True)


@pytest.fixture
def draft():
    key, _raw = api_key()
    return submission_create(key=key, data=submission_payload())


# --- API keys -----------------------------------------------------------------------------------


def test_hash_key_is_the_sha256_hex_of_the_raw_key():
    assert hash_key("abcd.secret") == hashlib.sha256(b"abcd.secret").hexdigest()
    assert hash_key("abcd.secret") != hash_key("abcd.secreT")


def test_api_key_issue_saves_only_the_hash_and_returns_the_raw_key():
    key = ApiKey(partner=PartnerFactory(), name="crm", scope=ApiKey.Scope.READ)
    raw = api_key_issue(key)
    stored = ApiKey.objects.get(pk=key.pk)
    assert raw.startswith(f"{stored.prefix}.") and len(raw) > 40
    assert stored.hashed_key == hash_key(raw)
    assert raw not in {stored.prefix, stored.hashed_key, stored.name}


def test_api_key_create_gives_each_key_its_own_secret_and_scope():
    partner = PartnerFactory()
    read, raw_read = api_key_create(partner=partner, name="sync")
    submit, raw_submit = api_key_create(partner=partner, name="crm", scope=ApiKey.Scope.SUBMIT)
    assert raw_read != raw_submit and read.prefix != submit.prefix
    assert (read.scope, submit.scope) == (ApiKey.Scope.READ, ApiKey.Scope.SUBMIT)
    assert not read.allows(ApiKey.Scope.SUBMIT) and submit.allows(ApiKey.Scope.SUBMIT)
    assert set(partner.api_keys.values_list("name", flat=True)) == {"sync", "crm"}


def test_api_key_revoke_stops_the_key_and_keeps_its_row_and_first_date():
    key, raw = api_key()
    assert api_key_for(raw) == key
    api_key_revoke(key=key)
    first = ApiKey.objects.get(pk=key.pk).revoked_at
    assert first is not None and api_key_for(raw) is None
    api_key_revoke(key=ApiKey.objects.get(pk=key.pk))
    assert ApiKey.objects.get(pk=key.pk).revoked_at == first


# --- names -----------------------------------------------------------------------------------------


def test_institution_by_name_reads_full_names_and_aliases_and_refuses_the_unknown():
    bank = InstitutionFactory(name="测试农村商业银行")
    AliasFactory(institution=bank, name="测农商")
    assert institution_by_name("测试农村商业银行") == bank
    assert institution_by_name("测农商") == bank
    assert institution_by_name("没有这家银行") is None


# --- submissions --------------------------------------------------------------------------------


def test_submission_create_stores_a_draft_with_its_names_resolved(draft):
    assert draft.status == Submission.Status.DRAFT and draft.partner == draft.api_key.partner
    assert draft.payload["product"]["name"] == "数据资产质押贷（测试）"
    assert draft.resolved["product_institution"] == "交通银行湖南省分行"
    assert draft.resolved["category"] == "data-asset-pledge-loan"
    assert (draft.resolved["province"], draft.resolved["city"]) == ("430000", "430100")
    assert draft.product is None and draft.case is None


def test_submission_create_needs_a_submit_key():
    key, _raw = api_key(scope=ApiKey.Scope.READ)
    with pytest.raises(PermissionDenied):
        submission_create(key=key, data=submission_payload())
    assert not Submission.objects.filter(api_key=key).exists()


@pytest.mark.parametrize(
    "changes, fields",
    [
        ({"product__institution": "没有这家银行"}, {"product.institution"}),
        ({"product__category": "no-such-category"}, {"product.category"}),
        ({"product__themes": ["digital-finance", "no-such-theme"]}, {"product.themes"}),
        ({"case__province": "999999"}, {"case.province"}),
        ({"case__province": "上海市", "case__city": "长沙市"}, {"case.city"}),
        ({"case__date": "1980-01-01"}, {"case.date"}),
        ({"case__currency": ""}, {"case.currency"}),
        (
            {"product__institution": "没有这家银行", "product__category": "x"},
            {"product.institution", "product.category"},
        ),
    ],
)
def test_submission_create_names_every_failing_field_and_writes_nothing(changes, fields):
    key, _raw = api_key()
    with pytest.raises(ValidationError) as error:
        submission_create(key=key, data=submission_payload(**changes))
    assert set(error.value.message_dict) == fields
    assert not Submission.objects.filter(api_key=key).exists()


def test_submission_publish_writes_the_product_case_and_sources(draft, curator):
    published = submission_publish(submission=draft, reviewer=curator)
    product = Product.objects.get(key=f"sub-{draft.pk}")
    case = Case.objects.get(key=f"sub-{draft.pk}-1")
    assert (published.status, published.product, published.case) == (
        Submission.Status.PUBLISHED,
        product,
        case,
    )
    assert published.reviewed_by == curator and published.reviewed_at is not None
    assert product.status == case.status == Status.PUBLISHED
    assert (
        product.institution.name == "交通银行湖南省分行" and product.category.slug == "data-asset-pledge-loan"
    )
    assert set(product.themes.values_list("slug", flat=True)) == {"digital-finance"}
    assert case.product == product and str(case.amount) == "5000000.00" and case.currency == "CNY"
    assert (case.province_id, case.city.name, case.term_months) == ("430000", "长沙市", 12)
    for record in (product, case):
        source = record.sources.get()
        assert source.excerpt == "凭数据资产登记证书获得500万元贷款" and source.locator == "第2段"
        assert source.document.file_name == "https://www.example.com/news/2024/05/20/data-pledge.html"
    assert Product.objects.published().filter(pk=product.pk).exists()


def test_submission_publish_only_once(draft, curator):
    submission_publish(submission=draft, reviewer=curator)
    with pytest.raises(ValidationError):
        submission_publish(submission=draft, reviewer=curator)
    assert Product.objects.filter(key__startswith=f"sub-{draft.pk}").count() == 1


def test_submission_publish_resolves_again_and_writes_nothing_when_a_name_is_gone(curator):
    bank = InstitutionFactory(name="测试城市商业银行")
    key, _raw = api_key()
    sub = submission_create(key=key, data=submission_payload(product__institution=bank.name))
    bank.name = "测试城市商业银行（已更名）"
    bank.save()
    with pytest.raises(ValidationError) as error:
        submission_publish(submission=sub, reviewer=curator)
    assert "product.institution" in error.value.message_dict
    assert not Product.objects.filter(key=f"sub-{sub.pk}").exists()
    assert Submission.objects.get(pk=sub.pk).status == Submission.Status.DRAFT


def test_submission_reject_records_the_reason_and_the_reviewer(draft, curator):
    rejected = submission_reject(submission=draft, reviewer=curator, reason="  来源链接打不开  ")
    stored = Submission.objects.get(pk=draft.pk)
    assert rejected.status == stored.status == Submission.Status.REJECTED
    assert stored.reason == "来源链接打不开" and stored.reviewed_by == curator and stored.reviewed_at
    assert stored.product is None and not Product.objects.filter(key=f"sub-{draft.pk}").exists()


def test_submission_reject_needs_a_reason_and_a_draft(draft, curator):
    with pytest.raises(ValidationError) as error:
        submission_reject(submission=draft, reviewer=curator, reason="   ")
    assert "reason" in error.value.message_dict
    assert Submission.objects.get(pk=draft.pk).status == Submission.Status.DRAFT
    submission_publish(submission=draft, reviewer=curator)
    with pytest.raises(ValidationError):
        submission_reject(submission=draft, reviewer=curator, reason="太晚了")
    assert Submission.objects.get(pk=draft.pk).status == Submission.Status.PUBLISHED
