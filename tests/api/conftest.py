"""Fixtures for the partner API tests: clients with and without keys, and a quiet throttle."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from partners.models import ApiKey, Partner
from partners.services import api_key_create
from products.models import Case, CaseSource, Product


@pytest.fixture(autouse=True)
def fresh_throttle():
    """Throttle counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


def get(api, url, status=200, **headers):
    response = api.get(url, HTTP_ACCEPT="application/json", **headers)
    assert response.status_code == status, response.content[:800]
    return response


def problem_fields(response) -> list:
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    body = response.json()
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(body)
    assert body["status"] == response.status_code
    return [e["field"] for e in body["errors"]]


@pytest.fixture
def partner(db):
    return Partner.objects.create(name="某银行CRM")


@pytest.fixture
def other_partner(db):
    return Partner.objects.create(name="某地方融资平台")


@pytest.fixture
def submit_key(partner):
    return api_key_create(partner=partner, name="crm", scope=ApiKey.Scope.SUBMIT)[1]


@pytest.fixture
def read_key(partner):
    return api_key_create(partner=partner, name="sync", scope=ApiKey.Scope.READ)[1]


@pytest.fixture
def other_key(other_partner):
    return api_key_create(partner=other_partner, name="platform", scope=ApiKey.Scope.SUBMIT)[1]


@pytest.fixture
def many_cases(db):
    """Enough extra published cases that page_size=200 really returns 200 rows."""
    product = Product.objects.published().filter(institution__isnull=False).first()
    Case.objects.bulk_create(
        Case(
            key=f"bulk-{i}",
            product=product,
            institution=product.institution,
            status="published",
            amount=Decimal(i + 1),
            currency="CNY",
            province_id="330000",
            date=dt.date(2024, 1, 1 + i % 28),
        )
        for i in range(220)
    )
    src = product.sources.first()
    CaseSource.objects.bulk_create(
        CaseSource(case=c, document=src.document, part=src.part, locator=src.locator, excerpt=src.excerpt)
        for c in Case.objects.filter(key__startswith="bulk-")
    )


SUBMISSION = {
    "product": {
        "name": "数据资产质押贷（测试）",
        "institution": "交通银行湖南省分行",
        "category": "data-asset-pledge-loan",
        "themes": ["digital-finance"],
        "target_clients": "数据资源型科技企业",
        "collateral": "数据资产",
        "description": "以数据资产作质押。",
    },
    "case": {
        "date": "2024-05-20",
        "amount": "5000000",
        "currency": "CNY",
        "term_months": 12,
        "client": "长沙某数据服务企业",
        "province": "430000",
        "city": "长沙市",
        "summary": "凭数据资产登记证书获得500万元贷款。",
    },
    "sources": [
        {
            "title": "交通银行湖南省分行落地数据资产质押贷款",
            "url": "https://www.example.com/news/2024/05/20/data-pledge.html",
            "locator": "第2段",
            "excerpt": "凭数据资产登记证书获得500万元贷款",
        }
    ],
}
