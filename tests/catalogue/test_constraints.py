"""The database itself refuses rows that break the domain's rules, with an error that says which."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from catalogue.models import Document
from policies.models import Policy
from products.models import Case, Product, ProductSource


@pytest.fixture
def product(db):
    return Product.objects.published().select_related("institution").filter(institution__isnull=False).first()


@pytest.mark.django_db
def test_unknown_policy_level_is_rejected():
    with pytest.raises(IntegrityError, match="policy_level_valid"), transaction.atomic():
        Policy.objects.create(key="t-level", heading="测试", level="galactic")
    with pytest.raises(ValidationError) as exc:
        Policy(key="t-level-2", heading="测试", level="galactic").full_clean()
    assert "level" in exc.value.message_dict


@pytest.mark.django_db
def test_negative_amount_is_rejected(product):
    with pytest.raises(IntegrityError, match="case_amount_non_negative"), transaction.atomic():
        Case.objects.create(
            key="t-neg",
            product=product,
            institution=product.institution,
            amount=Decimal("-1"),
            currency="CNY",
        )
    # full_clean says it in words (the constraint's violation_error_message), not by its name.
    with pytest.raises(ValidationError, match="The amount cannot be negative|金额不能为负数"):
        Case(
            key="t-neg-2",
            product=product,
            institution=product.institution,
            amount=Decimal("-1"),
            currency="CNY",
        ).full_clean()


@pytest.mark.django_db
def test_amount_needs_a_currency(product):
    with pytest.raises(IntegrityError, match="case_amount_has_currency"), transaction.atomic():
        Case.objects.create(
            key="t-cur", product=product, institution=product.institution, amount=Decimal("10")
        )


@pytest.mark.django_db
def test_bad_status_is_rejected(product):
    with pytest.raises(IntegrityError, match="product_status_valid"), transaction.atomic():
        Product.objects.create(key="t-status", name="x", category=product.category, status="lost")


@pytest.mark.django_db
def test_excerpt_length_is_enforced(product):
    doc = Document.objects.first()
    with pytest.raises(IntegrityError, match="productsource_excerpt_length"), transaction.atomic():
        ProductSource.objects.create(
            product=product, document=doc, part="表1", locator="表1 row 1", excerpt="太短"
        )
    with pytest.raises(IntegrityError, match="productsource_excerpt_length"), transaction.atomic():
        ProductSource.objects.create(
            product=product, document=doc, part="表1", locator="表1 row 1", excerpt="长" * 81
        )
