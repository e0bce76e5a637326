"""loader.flags: why a draft looks wrong, checked on values as the queue holds them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loader import flags
from loader.resolve import Resolver
from products.models import Case, Product

pytestmark = pytest.mark.django_db


def _flags(values: dict, case: Case | None = None) -> list[str]:
    base = {"institution": "中国工商银行", "head_office": "中国工商银行", "branch": None, "product": "某贷"}
    return flags.case_flags(
        {**base, **values}, resolver=Resolver(), category_names={"数据资产质押贷款"}, case=case
    )


def test_each_flag():
    assert _flags({}) == []
    run_together = _flags({"institution": "宁夏银行北京银行深圳分行", "head_office": None})
    assert flags.RUN_TOGETHER in run_together and flags.UNKNOWN_INSTITUTION in run_together
    assert _flags({"institution": "中国工商银行某分行", "branch": "中国工商银行某分行"}) == [
        flags.NEW_INSTITUTION
    ]
    assert _flags({"product": "数据资产质押贷款"}) == [flags.CATEGORY_NAME]
    # A category is never a product's name, even one the importer gave an empty cell: the curator names it.
    assert _flags({"product": "数据资产质押贷款", "descriptive": True}) == [flags.CATEGORY_NAME]
    assert _flags({"client": "给辖内居民"}) == [flags.CLIENT]
    assert _flags({"client": "某科技有限公司"}) == [] and _flags({"client": "小微企业"}) == []


def test_an_amount_far_from_the_products_other_cases():
    product = Product.objects.published().filter(cases__amount__gt=0, cases__currency="CNY").first()
    amounts = sorted(product.cases.filter(amount__gt=0, currency="CNY").values_list("amount", flat=True))
    median = amounts[len(amounts) // 2]
    near = Case(product=product, amount=median * 2, currency="CNY")
    far = Case(product=product, amount=median * 1000, currency="CNY")
    tiny = Case(product=product, amount=max(median / 1000, Decimal("0.01")), currency="CNY")
    assert flags.AMOUNT_OUTLIER not in _flags({}, case=near)
    assert flags.AMOUNT_OUTLIER in _flags({}, case=far)
    assert flags.AMOUNT_OUTLIER in _flags({}, case=tiny)
    other_currency = Case(product=product, amount=median * 1000, currency="USD")
    assert flags.AMOUNT_OUTLIER not in _flags({}, case=other_currency)  # nothing to compare with
