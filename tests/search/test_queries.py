"""The queries the issue names, each on the /search/ page and on the API list of its kind."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from institutions.models import Institution
from policies.models import Policy
from products.models import Case, Product

API = {"product": "products", "case": "cases", "policy": "policies", "institution": "institutions"}
MODEL = {"product": Product, "case": Case, "policy": Policy, "institution": Institution}

# (query, kind, a record that must be found: key, or name for institutions)
EXPECTED = [
    # two-character words and longer phrases
    ("绿色", "product", "003-ch2-p06"),
    ("票据", "policy", "003-ch2-n02"),
    ("养老", "product", "003-ch4-p08"),
    ("跨境", "product", "003-ch2-p11"),
    ("设备更新", "policy", "003-ch5a-n12"),
    ("碳达峰", "policy", "003-ch5a-n19"),
    # product names however spaced or quoted
    ("订单e贷", "case", "003-ch1-c26"),
    ("订单e 贷", "product", "003-ch1-p26"),
    ("“订单e贷”", "product", "003-ch1-p26"),
    ("e钱庄", "product", "003-ch4-p12"),
    ("e 钱庄", "case", "003-ch4-c13"),
    # aliases and short names, including the records of a head office's branches
    ("建行", "case", "003-ch1-c36"),  # 中国建设银行上海市分行
    ("建行", "institution", "中国建设银行上海市分行"),
    ("交行", "case", "003-ch1-c11"),  # 交通银行张家界分行
    ("邮储", "product", "003-ch4-p08"),  # 邮储银行湖南省分行
    ("证监会", "policy", "003-ch3b-n12"),
    ("证监会", "institution", "中国证券监督管理委员会"),
    ("发改委", "policy", "003-ch3a-n05"),
    # places through the region data
    ("张家界", "case", "003-ch1-c11"),
    ("重庆", "policy", "003-ch5a-n10"),
    ("广西", "case", "003-ch1-c04"),
    ("Hunan", "case", "003-ch1-c01"),
    ("Zhangjiajie", "product", "003-ch1-p11"),
    # full/half width, traditional either way
    ("質押", "product", "003-ch1-p07"),
    ("ｅ钱庄", "product", "003-ch4-p12"),
    # English category and theme names
    ("green bill", "product", "003-ch2-p18"),
    ("Green Bill Discounting", "case", "003-ch2-c19"),
    ("pension", "product", "003-ch1-p08"),
]


def _record(kind: str, ident: str):
    if kind == "institution":
        return Institution.objects.get(name=ident)
    return MODEL[kind].objects.get(key=ident)


@pytest.fixture
def api():
    cache.clear()  # API throttle counters live in the cache
    return APIClient()


@pytest.mark.django_db
@pytest.mark.parametrize(("q", "kind", "ident"), EXPECTED)
def test_found_by_the_api_list(api, q, kind, ident):
    record = _record(kind, ident)
    response = api.get(f"/api/v1/{API[kind]}/", {"q": q, "page_size": 100}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content[:300]
    ids = [r["id"] for r in response.json()["results"]]
    assert record.pk in ids, f"{q!r} does not find {ident} in /api/v1/{API[kind]}/"


@pytest.mark.django_db
@pytest.mark.parametrize(("q", "kind", "ident"), EXPECTED)
def test_found_on_the_search_page(client, q, kind, ident):
    record = _record(kind, ident)
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    groups = {g.kind: [h.obj.pk for h in g.hits] for g in response.context["results"].groups}
    assert record.pk in groups.get(kind, []), f"{q!r} does not show {ident} among the {kind} results"


@pytest.mark.django_db
def test_traditional_finds_simplified_and_back():
    from catalogue.fulltext import query as search

    qs = Product.objects.published()
    assert search.top(qs, "質押") == search.top(qs, "质押")
    product = Product.objects.get(key="003-ch1-p07")
    product.name = "數據資產質押貸款"  # a record written in traditional characters
    product.save()
    assert product in search.top(qs, "数据资产质押贷款")


@pytest.mark.django_db
def test_words_of_a_query_may_sit_in_different_fields():
    from catalogue.fulltext import query as search

    found = search.top(Case.objects.published(), "湖南 民宿")
    assert [c.key for c in found] == ["003-ch1-c11"]


@pytest.mark.django_db
def test_name_matches_come_before_description_matches_then_newer_first():
    from catalogue.fulltext import query as search

    found = search.top(Product.objects.published(), "绿票通", 20)
    ranks = [getattr(p, search.RANK) for p in found]
    assert ranks == sorted(ranks) and ranks[0] == 0
    names_first = [p for p in found if getattr(p, search.RANK) == 0]
    assert all("绿票通" in p.name for p in names_first)
    cases = search.top(Case.objects.published(), "绿票通", 20)
    tier0 = [c.date for c in cases if getattr(c, search.RANK) == 0]
    dated = [d for d in tier0 if d]
    assert dated == sorted(dated, reverse=True) and tier0[: len(dated)] == dated  # undated last


def _credit_subtree(products):
    """Products under `credit` at any depth, walked here from the parent links rather than with the
    code under test."""
    from products.models import Category

    ids, frontier = set(), set(Category.objects.filter(slug="credit").values_list("pk", flat=True))
    while frontier:
        ids |= frontier
        frontier = set(Category.objects.filter(parent__in=frontier).values_list("pk", flat=True)) - ids
    return products.filter(category__in=ids)


# kind → (a filter beside q, the same condition on a queryset, checked on every record listed)
BESIDE_Q = {
    "product": ({"category": "credit"}, _credit_subtree),
    "case": ({"province": "430000"}, lambda cases: cases.filter(province_id="430000")),
    "policy": ({"level": "central"}, lambda policies: policies.filter(level="central")),
    "institution": ({"kind": "joint-stock-bank"}, lambda rows: rows.filter(kind="joint-stock-bank")),
}


def _all_ids(api, kind: str, params: dict) -> list[int]:
    ids, url, query = [], f"/api/v1/{API[kind]}/", {**params, "page_size": 200}
    while url:
        response = api.get(url, query, HTTP_ACCEPT="application/json")
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        ids += [r["id"] for r in body["results"]]
        url, query = body["next"], None
    return ids


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(API))
def test_api_q_keeps_other_filters_and_paginates(api, kind):
    params, condition = BESIDE_Q[kind]
    both = _all_ids(api, kind, {"q": "银行", **params})
    q_only = set(_all_ids(api, kind, {"q": "银行"}))
    filter_only = set(_all_ids(api, kind, params))
    assert both, f"q=银行 with {params} lists nothing: the test would prove nothing"
    assert len(both) == len(set(both)), "a record listed twice across pages"
    # Every record listed meets the filter (asked of the ORM), and the filter narrows what q finds.
    assert condition(MODEL[kind].objects.filter(pk__in=both)).count() == len(both)
    assert set(both) == q_only & filter_only
    assert set(both) < q_only and set(both) <= filter_only
    # Pagination over the combined query: two a page, the pages together are the whole list.
    response = api.get(
        f"/api/v1/{API[kind]}/", {"q": "银行", **params, "page_size": 2}, HTTP_ACCEPT="application/json"
    )
    body = response.json()
    assert body["count"] == len(both) and len(body["results"]) == min(2, len(both))
    assert (body["next"] is not None) == (len(both) > 2)
    too_long = api.get(f"/api/v1/{API[kind]}/", {"q": "x" * 10_000}, HTTP_ACCEPT="application/json")
    assert too_long.status_code == 400
