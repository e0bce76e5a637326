"""Why a draft in the review queue may be wrong: cheap checks on the row as parsed (or corrected),
each a code stored on the ImportItem and shown in words in the queue. A flag asks a curator to look;
it never stops a row."""

from __future__ import annotations

import re
import statistics
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from loader.resolve import Resolver
from products.models import Case

RUN_TOGETHER = "run-together"
NEW_INSTITUTION = "new-institution"
UNKNOWN_INSTITUTION = "unknown-institution"
CATEGORY_NAME = "category-name"
CLIENT = "client"
AMOUNT_OUTLIER = "amount-outlier"

LABELS = {
    RUN_TOGETHER: _("two institution names run together"),
    NEW_INSTITUTION: _("an institution the catalogue lacks (created on acceptance)"),
    UNKNOWN_INSTITUTION: _("institution unknown, not even its head office: correct it before accepting"),
    CATEGORY_NAME: _("product named like a category"),
    CLIENT: _("client is not the name of an organisation"),
    AMOUNT_OUTLIER: _("amount far from the product's other cases"),
}

# Words an organisation's name (or its description: 某科技公司, 小微企业) contains.
ORGANISATION = re.compile(
    r"(公司|企业|集团|工厂|厂|合作社|中心|医院|学校|大学|学院|研究院|研究所|事务所|协会|商会|基金会|银行"
    r"|农场|牧场|商户|农户|工商户|经营户|经营主体|主体|机构|园区|政府|平台)"
)
# An amount 100 times above or below the median of the product's other cases (same currency).
OUTLIER_FACTOR = Decimal(100)
# Two bank words in one cell: two institutions run together (宁夏银行北京银行深圳分行).
BANK_WORD = re.compile(r"银行|农商行|信用社|联社")


def case_flags(
    values: dict[str, Any],
    *,
    resolver: Resolver,
    category_names: set[str],
    case: Case | None = None,
) -> list[str]:
    """Flag codes for a case row (`values`: ImportItem.values); `case` is its draft, if any."""
    flags = []
    written = values.get("as_written") or values.get("institution") or ""
    if len(resolver.head_offices_named_in(written)) > 1 or len(BANK_WORD.findall(written)) > 1:
        flags.append(RUN_TOGETHER)
    if not values.get("head_office"):
        flags.append(UNKNOWN_INSTITUTION)
    elif values.get("branch"):
        flags.append(NEW_INSTITUTION)
    if values.get("product") in category_names:  # a category is never a product's name
        flags.append(CATEGORY_NAME)
    client = values.get("client") or ""
    if client and not ORGANISATION.search(client):
        flags.append(CLIENT)
    if case is not None and _outlier(case):
        flags.append(AMOUNT_OUTLIER)
    return flags


def _outlier(case: Case) -> bool:
    if case.amount is None or case.amount <= 0:
        return False
    others = list(
        Case.objects.filter(product_id=case.product_id, currency=case.currency, amount__gt=0)
        .exclude(pk=case.pk)
        .values_list("amount", flat=True)
    )
    if not others:
        return False
    median = Decimal(statistics.median(others))
    return case.amount > median * OUTLIER_FACTOR or case.amount * OUTLIER_FACTOR < median
