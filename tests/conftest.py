import datetime as dt
import os
from decimal import Decimal

import pytest
from django.conf import settings

from loader.fixtures import load_catalogue


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


@pytest.fixture
def many_cases(db):
    from institutions.models import Region
    from products.models import Case, CaseSource, Product

    """Enough extra published cases that page_size=200 really returns 200 rows."""
    product = Product.objects.published().filter(institution__isnull=False).first()
    province = Region.objects.get(code="330000")
    Case.objects.bulk_create(
        Case(
            key=f"bulk-{i}",
            product=product,
            institution=product.institution,
            status="published",
            amount=Decimal(i),
            currency="CNY",
            province=province,
            date=dt.date(2024, 1, 1 + i % 28),
        )
        for i in range(220)
    )

    doc_src = product.sources.first()
    CaseSource.objects.bulk_create(
        CaseSource(
            case=c,
            document=doc_src.document,
            part=doc_src.part,
            locator=doc_src.locator,
            excerpt=doc_src.excerpt,
        )
        for c in Case.objects.filter(key__startswith="bulk-")
    )
