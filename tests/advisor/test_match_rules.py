"""Issue 19's ranking rules, checked on the profiles the issue names."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from advisor.forms import MatchForm
from advisor.matching import (
    BY_NAME,
    CRITERIA,
    KIND_TIER,
    RULES,
    WEIGHTS,
    Profile,
    _national,
    _products,
    case_evidence,
    match,
    rules_text,
    score_product,
)
from products.models import TermField

pytestmark = pytest.mark.django_db

GUIYANG_PV = "province=贵州省&city=贵阳市&industry=D&size=small&themes=green-finance&labels=green-enterprise&amount=5000000"
ZHANGJIAJIE_RESTAURANT = (
    "province=湖南省&city=张家界市&industry=H&size=micro&collateral=pure-credit&amount=500000"
)


def ranked(qs: str):
    form = MatchForm(QueryDict(qs))
    assert form.is_valid(), form.errors
    return match(form.profile(), limit=40)[0]


def assert_order_keeps_rules(results) -> None:
    fails = [m.fails for m in results]
    assert fails == sorted(fails), "a result with more fails ranks above one with fewer"
    part = BY_NAME["programme"].parts
    for a, b in zip(results, results[1:], strict=False):
        if a.fails == b.fails:
            assert KIND_TIER.get(a.kind, 0) <= KIND_TIER.get(b.kind, 0), (a.product.name, b.product.name)
        if (a.fails, KIND_TIER.get(a.kind, 0), a.score) == (b.fails, KIND_TIER.get(b.kind, 0), b.score):
            # At equal scores a bank product before a government programme.
            assert part.get(a.kind, 0) >= part.get(b.kind, 0), (a.product.name, b.product.name)


@pytest.mark.parametrize(
    "qs",
    [
        GUIYANG_PV,
        ZHANGJIAJIE_RESTAURANT,
        "province=浙江省&city=杭州市&size=small",
        "province=广西壮族自治区&city=南宁市&industry=I&size=small&labels=tech-enterprise&collateral=guarantee"
        "&themes=tech-finance",
    ],
)
def test_fails_and_kinds_order_the_results(qs):
    results = ranked(qs)
    assert results
    assert_order_keeps_rules(results)


def test_guiyang_policy_tools_follow_the_bank_products():
    results = ranked(GUIYANG_PV)
    names = [m.product.name for m in results]
    tools = [i for i, m in enumerate(results) if KIND_TIER.get(m.kind)]
    banks = [i for i, m in enumerate(results) if m.kind == "bank_product" and m.fails == 0]
    assert banks and tools and max(banks) < min(tools), names
    for name in ("绿票通", "工银i绿贴"):
        assert name in names[:10], names[:10]


def test_zhangjiajie_platform_is_not_in_the_first_five():
    top = ranked(ZHANGJIAJIE_RESTAURANT)[:5]
    assert "养老机构资金监管平台" not in [m.product.name for m in top]
    assert all(m.kind != "platform_service" for m in top)


def test_local_product_elsewhere_fails_region():
    """A product of a local bank whose institution and cases are all in another province does not
    fit a Hangzhou firm, though no term of its own says so (a Shandong rural bank's loan, say)."""
    form = MatchForm(QueryDict("province=浙江省&city=杭州市"))
    assert form.is_valid()
    profile = form.profile()
    shandong = [
        p
        for p in _products(profile)
        if p.institution
        and p.institution.province
        and p.institution.province.name == "山东省"
        and not _national(p)
        and not [t for t in p.all_terms if t.field == TermField.REGION]
    ]
    assert shandong
    for product in shandong:
        m = score_product(profile, product, case_evidence(product))
        region = next(r for r in m.reasons if r.criterion == "region")
        assert (region.outcome, region.note) == ("fail", "elsewhere"), product.name
        assert m.fails >= 1 and not m.excluded_by  # ranks low, and is still shown with its reason


def test_empty_profile_ranks_nothing(client):
    assert Profile().is_empty()
    assert match(Profile()) == ([], __import__("collections").Counter())
    body = client.get("/api/v1/match/").json()
    assert body["results"] == []
    page = client.get("/match/?lang=en").content.decode()
    assert 'class="match-results"' not in page


def test_one_table_of_weights():
    """The page's rules, the scorer and the API's description read the same table."""
    assert set(WEIGHTS) == {c.name for c in CRITERIA}
    text = rules_text()
    for c in CRITERIA:
        assert f"{c.name} ({c.weight:g})" in text
    assert len(RULES) >= 3


def _reason(m, criterion):
    return next(r for r in m.reasons if r.criterion == criterion)


def test_pure_credit_fits_at_half_when_the_client_offers_other_collateral():
    """A product that takes no collateral fits any client; it scores the whole weight for a client
    asking for credit, half for one offering an asset the product does not use."""
    coll = BY_NAME["collateral"]
    by_key = {m.product.key: m for m in ranked("collateral=pure-credit")}
    assert by_key["003-ch1-p11"].score >= coll.weight  # 民宿贷, stated pure credit
    assert (_reason(by_key["003-ch1-p11"], "collateral").outcome) == "pass"
    pledged = {m.product.key: m for m in ranked("collateral=charging-rights&province=山东省")}
    free, taken = pledged["003-app-p04"], pledged["003-app-p07"]  # 助微惠企贷 (credit), 门票收费权质押贷
    assert _reason(free, "collateral").outcome == "pass"
    assert free.score < taken.score


def test_need_named_by_the_product_counts_whole():
    """Four Sichuan products share one description about equipment renewal; the one whose name is
    the need (更新贷) ranks first, and the need reason quotes the words found."""
    results = ranked("q=设备更新贷款&province=四川省&industry=C")
    assert results[0].product.key == "003-ch5a-p03", [m.product.name for m in results[:4]]
    need = BY_NAME["need"]
    top = _reason(results[0], "need")
    assert top.outcome == "pass" and "更新" in top.quote
    others = [m for m in results[1:4] if m.product.key.startswith("003-ch5a")]
    assert others and all(
        m.score == pytest.approx(results[0].score - need.weight * (1 - need.parts["text"])) for m in others
    )


def test_a_client_asking_for_financing_is_not_served_by_a_service():
    """A remittance, an account or a platform does not meet a request for a loan: the need does not
    fit, so it ranks after the financing that fits as well; asked for the service, it fits."""
    loan = ranked("q=厦门一家外贸公司，想申请出口退税融资，200万")
    remit = next(m for m in loan if m.product.key == "003-ch2-p11")  # 小币种跨境汇款业务
    need = _reason(remit, "need")
    assert (need.outcome, need.note) == ("fail", "not-financing")
    assert [m.product.key for m in loan].index("003-ch3a-p01") < loan.index(remit)  # 预付款保函
    service = ranked("q=南宁一家外贸公司要给泰国供应商汇泰铢")
    assert service[0].product.key == "003-ch2-p11"
    assert all(r.outcome != "fail" for r in service[0].reasons)
