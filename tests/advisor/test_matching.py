"""Matching a firm to products: recall@10 over the profiles written from the documents (printed in
every run), the API's response shape, its 400s and the page."""

from __future__ import annotations

import pytest

from advisor.forms import MatchForm
from advisor.matching import match
from products.models import Product, ProductTerm, TermField
from tests.advisor.profiles import PROFILES
from tests.advisor.profiles import profile_query as query

pytestmark = pytest.mark.django_db


def test_profiles_recall_at_10(capsys):
    """Every gold bank product or programme is in the top 10. Gold policy tools and platforms
    (rediscount schemes, a data exchange) are counted and printed, not required: issue 19's rule
    ranks them after every bank product that fits as well, so on a full list they may fall below 10."""
    assert len(PROFILES) >= 20
    recalls, misses, tool_misses = [], [], []
    for p in PROFILES:
        form = MatchForm(query(p))
        assert form.is_valid(), (p["id"], form.errors)
        top = [m.product.key for m in match(form.profile())[0]]
        expected = [e["product"] for e in p["expected"]]
        found = [k for k in expected if k in top]
        recalls.append(len(found) / len(expected))
        for key in set(expected) - set(found):
            kind = ProductTerm.objects.filter(product__key=key, field=TermField.PROGRAMME_KIND).first()
            if kind and kind.value in ("policy_tool", "platform_service"):
                tool_misses.append(f"  {p['id']}: {key} ({kind.value}) below 10")
            else:
                misses.append(f"  {p['id']}: missing {key}")
    recall = sum(recalls) / len(recalls)
    with capsys.disabled():
        print(f"\nmatch profiles: {len(PROFILES)}; mean recall@10 = {recall:.3f}")
        if misses or tool_misses:
            print("\n".join(misses + tool_misses))
    assert not misses, "\n".join(misses)
    assert len(tool_misses) <= 4, "\n".join(tool_misses)


def test_api_shape_and_sources(client):
    p = PROFILES[0]
    r = client.get("/api/v1/match/", query(p))
    assert r.status_code == 200
    body = r.json()
    assert 0 < len(body["results"]) <= 10
    first = body["results"][0]
    assert set(first) == {"product", "score", "reasons", "cases", "policies"}
    assert set(first["product"]) == {"id", "name", "institution", "category"}
    scores = [x["score"] for x in body["results"]]
    assert scores == sorted(scores, reverse=True)
    reasons = [r for x in body["results"] for r in x["reasons"]]
    assert {r["outcome"] for r in reasons} <= {"pass", "fail", "unknown"}
    sourced = [r for r in reasons if r["outcome"] == "pass" and r["criterion"] == "collateral"]
    assert sourced and all(12 <= len(r["source"]["excerpt"]) <= 80 for r in sourced)
    # Peer cases: the client's province first.
    for x in body["results"]:
        provinces = [c["province"] == p["province"] for c in x["cases"]]
        assert provinces == sorted(provinces, reverse=True)


def test_stated_region_elsewhere_excludes_and_is_reported(client):
    """A product whose terms name only another region is never offered, and with nothing left the
    answer says which criterion excluded most."""
    term = (
        ProductTerm.objects.filter(field=TermField.REGION, city__isnull=False)
        .select_related("province")
        .first()
    )
    other = "西藏自治区" if term.province.name != "西藏自治区" else "青海省"
    body = client.get("/api/v1/match/", {"province": other}).json()
    assert term.product_id not in [x["product"]["id"] for x in body["results"]]
    assert body["excluded"]["region"] >= 1
    # A category with no product of the stated region: nothing fits, and the reason is named.
    body = client.get(
        "/api/v1/match/",
        {
            "province": other,
            "collateral": "pure-credit",
            "size": "medium",
            "amount": "999999999999",
            "category": "credit",
        },
    ).json()
    if not body["results"]:
        assert body["excluded_most"] in body["excluded"]


def test_no_result_names_the_criterion(client):
    amount = ProductTerm.objects.filter(field=TermField.AMOUNT, high__isnull=False).first()
    product = amount.product
    r = client.get(
        "/api/v1/match/",
        {"category": product.category.slug, "amount": str(int(amount.high) + 1)},
    )
    body = r.json()
    assert product.pk not in [x["product"]["id"] for x in body["results"]]
    assert body["excluded"].get("amount", 0) >= 1
    page = client.get("/match/", {"category": product.category.slug, "amount": str(int(amount.high) + 1)})
    assert page.status_code == 200


@pytest.mark.parametrize(
    "params, field",
    [
        ({"province": "火星"}, "province"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"term_months": "0"}, "term_months"),
        ({"size": "huge"}, "size"),
        ({"labels": "nobody"}, "labels"),
        ({"collateral": "gold"}, "collateral"),
        ({"industry": "Z"}, "industry"),
        ({"province": "浙江省", "city": "武汉市"}, "city"),
    ],
)
def test_bad_values_are_400_naming_the_field(client, params, field):
    r = client.get("/api/v1/match/", params)
    assert r.status_code == 400
    assert r["Content-Type"].startswith("application/problem+json")
    assert field in [e["field"] for e in r.json()["errors"]]
    page = client.get("/match/", params)
    assert page.status_code == 200 and field in page.content.decode()


def test_page_shows_rules_and_results(client):
    page = client.get("/match/").content.decode()
    assert "如何匹配" in page  # Chinese by default
    p = PROFILES[0]
    html = client.get("/match/", query(p)).content.decode()
    form = MatchForm(query(p))
    assert form.is_valid()
    top = match(form.profile())[0][0]
    assert f"/products/{top.product.pk}/" in html
    assert Product.objects.filter(pk=top.product.pk).exists()
