"""Fixtures every test folder shares: the curated catalogue loaded once, the source documents,
API clients and partner keys, a fresh throttle, and enough cases to fill a 200-row page."""

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from loader.fixtures import load_catalogue
from partners.models import ApiKey, Partner
from partners.services import api_key_create
from products.models import Case, CaseSource, Product


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real curated catalogue once per test session; each test runs in a rolled-back
    transaction on top of it."""
    with django_db_blocker.unblock():
        load_catalogue(settings.FIXTURES_DIR)


@pytest.fixture
def seeds_dir():
    """The source documents. Outside CI a checkout without them skips provenance checks;
    in CI their absence is a failure, so provenance is never silently unchecked."""
    path = settings.SEEDS_DIR
    if not path.is_dir() or not any(path.glob("*.txt")):
        if os.environ.get("CI"):
            pytest.fail(f"source documents missing at {path}: provenance cannot be checked")
        pytest.skip(f"source documents not found at {path}")
    return path


@pytest.fixture(autouse=True)
def fresh_throttle():
    """Throttle counters and cached responses live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


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
