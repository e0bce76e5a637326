"""Relevance: queries a relationship manager would type, with the records each should return.

Written by reading the source documents (and the records curated from them), not by running the
search: each entry lists, per kind, the records a person typing the query means. Where "every
green-finance product" is the honest answer, the set is given by that rule over the curated data.

Scored per (query, kind) on the top 10 of that kind, as the /search/ page shows them (and as the
API lists order them: test_consistency checks the two agree):
recall@10 = relevant found in the top 10 / min(relevant, 10); precision@10 = relevant in the top
10 / results in the top 10. The test asserts mean recall@10 ≥ 0.95 and prints both.
"""

from __future__ import annotations

import pytest

from catalogue.fulltext import query as search
from institutions.models import Institution
from policies.models import Policy
from products.models import Case, Product
from search import presentation


def theme(slug: str) -> set[str]:
    return set(Product.objects.published().filter(themes__slug=slug).values_list("key", flat=True))


def category(*slugs: str) -> set[str]:
    return set(Product.objects.published().filter(category__slug__in=slugs).values_list("key", flat=True))


def cases_in(*provinces: str) -> set[str]:
    return set(Case.objects.published().filter(province__name__in=provinces).values_list("key", flat=True))


def policies_in(*provinces: str) -> set[str]:
    return set(Policy.objects.published().filter(province__name__in=provinces).values_list("key", flat=True))


def branches_of(name: str) -> set[str]:
    """A head office and every branch under it (by the curated hierarchy)."""
    head = Institution.objects.get(name=name)
    return {name, *Institution.objects.filter(head_office=head).values_list("name", flat=True)}


P, C, N, INST = "product", "case", "policy", "institution"

# query → {kind: relevant keys (institutions: names)}; callables are evaluated on the loaded data.
RELEVANCE: list[tuple[str, dict]] = [
    # Product names, however they are spaced, quoted or written
    (
        "绿票通",
        {
            P: {"003-ch2-p18", "003-ch2-p19", "003-ch2-p22", "003-ch2-p23", "003-ch2-p25", "003-ch2-p26"},
            C: {"003-ch2-c19", "003-ch2-c20", "003-ch2-c21", "003-ch2-c22", "003-ch2-c23"},
        },
    ),
    ("订单e贷", {P: {"003-ch1-p26"}, C: {"003-ch1-c26"}}),
    ("订单e 贷", {P: {"003-ch1-p26"}, C: {"003-ch1-c26"}}),
    ("“订单e贷”", {P: {"003-ch1-p26"}, C: {"003-ch1-c26"}}),
    ("e钱庄", {P: {"003-ch4-p12", "003-ch4-p13"}, C: {"003-ch4-c13"}}),
    ("浙科 e 贷", {P: {"003-ch1-p02"}, C: {"003-ch1-c02"}}),
    ("ｅ抵快贷", {P: {"003-ch4-p19"}}),
    ("数易贷", {P: {"003-ch1-p28", "003-ch1-p32"}, C: {"003-ch1-c28", "003-ch1-c33", "003-ch1-c36"}}),
    ("民宿贷", {P: {"003-ch1-p11"}, C: {"003-ch1-c11"}}),
    ("科创贷", {P: {"004-p01"}}),
    ("桂惠贷", {P: {"000-p01"}}),
    ("昆易贷", {P: {"000-p02"}}),
    ("惠农e贷", {P: {"003-ch4-p20"}}),
    ("辽科贷", {P: {"003-app-p13"}, N: {"003-app-n04"}}),
    ("城新贷", {P: {"003-ch5b-p02"}, N: {"003-ch5b-n08"}}),
    ("工银i绿贴", {P: {"003-ch2-p20"}}),
    # Two-character words and longer phrases
    (
        "绿色",
        {
            P: lambda: theme("green-finance"),
            N: {
                "003-ch2-n01",
                "003-ch2-n02",
                "003-ch2-n03",
                "003-ch2-n05",
                "003-ch2-n06",
                "003-ch2-n07",
                "003-ch3a-n14",
            },
        },
    ),
    (
        "票据",
        {
            P: lambda: category("bills", "green-bill-discounting", "bill-discounting") | {"003-ch2-p05"},
            N: {"003-ch2-n02", "003-ch2-n03", "003-ch2-n04"},
        },
    ),
    ("养老", {P: {"003-ch4-p08", "003-ch1-p08"}, C: {"003-ch4-c09", "003-ch1-c08"}, N: {"003-ch3b-n07"}}),
    (
        "跨境",
        {
            P: {
                "000-p06",
                "000-p08",
                "002-p03",
                "002-p05",
                "003-ch2-p01",
                "003-ch2-p11",
                "003-ch2-p21",
                "003-ch4-p06",
                "004-p05",
            }
        },
    ),
    (
        "设备更新",
        {
            N: {
                "003-ch3a-n05",
                "003-ch3a-n08",
                "003-ch5a-n09",
                "003-ch5a-n12",
                "003-ch5a-n17",
                "003-ch5a-n18",
                "003-ch5b-n09",
                "003-ch5b-n10",
            },
            P: {"003-ch5a-p02", "003-ch5a-p03", "003-ch5a-p04", "003-ch5a-p05", "003-ch5b-p02"},
        },
    ),
    ("碳达峰", {N: {"003-ch5a-n19"}, P: {"003-ch2-p18"}}),
    (
        "再贴现",
        {
            P: {"003-ch2-p19", "003-ch2-p23", "003-ch2-p24", "003-ch2-p25", "003-ch2-p26"},
            C: {"003-ch2-c22", "003-ch2-c23"},
            N: {"003-ch2-n03", "003-ch2-n04"},
        },
    ),
    (
        "公积金",
        {P: {"003-ch4-p01", "003-ch4-p29", "003-ch4-p30"}, C: {"003-ch4-c01", "003-ch4-c23", "003-ch4-c24"}},
    ),
    ("自由贸易账户", {P: {"003-ch2-p03", "003-ch2-p04", "003-ch5b-p01"}, N: {"003-ch5b-n02"}}),
    ("专精特新", {P: {"002-p10", "003-ch5a-p04", "003-ch1-p01", "003-ch1-p02", "002-p09"}}),
    ("数据资产", {P: lambda: category("data-asset-pledge-loan"), N: {"003-ch1-n02", "003-ch1-n03"}}),
    (
        "知识产权",
        {
            P: {"003-ch1-p01", "003-ch1-p30", "004-p01", "004-p02", "004-p03"},
            N: {"003-ch3b-n10", "003-ch5a-n07", "003-ch5b-n06"},
        },
    ),
    # Institutions by alias and short name, with their branches' records
    (
        "建行",
        {
            INST: lambda: branches_of("中国建设银行"),
            P: {"003-ch4-p01", "003-ch4-p06", "003-ch4-p15", "003-ch2-p17", "003-ch1-p28"},
            C: {"003-ch4-c01", "003-ch4-c07", "003-ch4-c15", "003-ch1-c36"},
        },
    ),
    (
        "交行",
        {
            INST: lambda: branches_of("交通银行"),
            P: {"003-ch1-p01", "003-ch1-p11", "003-ch2-p01"},
            C: {"003-ch1-c01", "003-ch1-c11", "003-ch2-c01"},
        },
    ),
    (
        "邮储",
        {
            INST: lambda: branches_of("中国邮政储蓄银行"),
            P: {"003-ch4-p08", "003-ch4-p26", "003-ch4-p30", "002-p02"},
            C: {"003-ch4-c09", "003-ch4-c20", "003-ch4-c24", "002-c02"},
        },
    ),
    (
        "工行",
        {
            INST: lambda: branches_of("中国工商银行"),
            P: {
                "003-ch1-p02",
                "003-ch1-p12",
                "002-p03",
                "002-p04",
                "003-ch2-p20",
                "003-ch4-p05",
                "003-ch4-p16",
                "003-ch4-p17",
                "003-ch4-p18",
                "003-ch4-p19",
            },
            C: {"003-ch1-c02", "003-ch1-c12", "003-ch4-c06"},
        },
    ),
    (
        "农行",
        {P: {"003-ch1-p20", "003-ch4-p20", "003-ch4-p21", "003-ch1-p28"}, C: {"003-ch1-c20", "003-ch1-c33"}},
    ),
    (
        "证监会",
        {
            INST: {"中国证券监督管理委员会"},
            N: {
                "003-ch3b-n11",
                "003-ch3b-n12",
                "003-ch3b-n13",
                "003-ch3b-n14",
                "003-ch3b-n15",
                "003-ch3b-n22",
            },
        },
    ),
    (
        "发改委",
        {
            N: {
                "003-ch3a-n05",
                "003-ch3a-n06",
                "003-ch3a-n07",
                "003-ch3a-n08",
                "003-ch3a-n09",
                "003-ch3a-n11",
                "003-ch5b-n09",
            }
        },
    ),
    (
        "央行",
        {
            N: {
                "003-ch2-n03",
                "003-ch2-n04",
                "003-ch3b-n03",
                "003-ch3b-n04",
                "003-ch3b-n05",
                "003-ch3b-n22",
                "003-ch5a-n11",
            },
            INST: lambda: branches_of("中国人民银行"),
        },
    ),
    (
        "上海数据交易所",
        {P: {"003-ch1-p28"}, C: {"003-ch1-c28", "003-ch1-c33", "003-ch1-c36"}, INST: {"上海数据交易所"}},
    ),
    # Places through the region data (Chinese, short and English names)
    ("张家界", {P: {"003-ch1-p11"}, C: {"003-ch1-c11"}, INST: {"交通银行张家界分行"}}),
    (
        "重庆",
        {
            N: {"003-ch5a-n10", "003-ch5a-n11", "003-ch5a-n12", "003-ch5a-n13"},
            C: {"003-ch1-c18", "003-ch2-c22"},
            P: {"003-ch1-p18", "003-ch2-p25", "003-ch5a-p01"},
        },
    ),
    (
        "Chongqing",
        {
            N: {"003-ch5a-n10", "003-ch5a-n11", "003-ch5a-n12", "003-ch5a-n13"},
            C: {"003-ch1-c18", "003-ch2-c22"},
        },
    ),
    (
        "广西",
        {
            N: {"000-n02", "000-n07", "000-n10", "003-app-n02"},
            C: lambda: cases_in("广西壮族自治区"),
            P: {"000-p01", "000-p07", "004-p06", "003-ch1-p04", "003-ch4-p30", "003-ch2-p11"},
        },
    ),
    ("Guangxi", {N: lambda: policies_in("广西壮族自治区"), C: lambda: cases_in("广西壮族自治区")}),
    (
        "Hunan",
        {
            C: lambda: cases_in("湖南省"),
            P: {"003-ch1-p01", "003-ch1-p11", "003-ch4-p08", "003-ch4-p12", "003-ch4-p13"},
        },
    ),
    (
        "海南",
        {
            N: {"003-ch5b-n01", "003-ch5b-n02", "003-ch5b-n03", "003-ch5b-n04"},
            P: {"003-ch2-p03", "003-ch2-p04", "003-ch5b-p01"},
            C: {"003-ch2-c03", "003-ch2-c04", "003-ch5b-c01"},
        },
    ),
    ("Zhangjiajie", {C: {"003-ch1-c11"}}),
    (
        "深圳",
        {
            C: {"003-ch1-c31", "003-ch4-c17", "003-ch4-c27"},
            P: {"003-ch1-p31", "003-ch4-p23", "003-ch4-p33", "003-ch2-p19", "004-p10"},
        },
    ),
    # Traditional characters and full-width forms
    (
        "質押",
        {
            P: {
                "003-ch1-p01",
                "003-ch1-p07",
                "003-ch1-p29",
                "003-ch1-p30",
                "003-ch1-p31",
                "003-ch1-p33",
                "003-ch1-p34",
                "003-ch1-p35",
                "003-ch2-p13",
                "003-app-p07",
            }
        },
    ),
    ("數據資產質押", {P: {"003-ch1-p07", "003-ch1-p29", "003-ch1-p33", "003-ch1-p34"}}),
    (
        "綠票通",
        {P: {"003-ch2-p18", "003-ch2-p19", "003-ch2-p22", "003-ch2-p23", "003-ch2-p25", "003-ch2-p26"}},
    ),
    # English category, theme and region names
    (
        "green bill",
        {
            P: lambda: category("green-bill-discounting"),
            C: {"003-ch2-c06", "003-ch2-c19", "003-ch2-c20", "003-ch2-c21", "003-ch2-c22", "003-ch2-c23"},
        },
    ),
    ("pension", {P: lambda: theme("pension-finance")}),
    ("digital RMB", {P: lambda: category("digital-rmb")}),
    ("Technology finance", {P: lambda: theme("tech-finance")}),
    # Several words: every one must occur, in any field
    ("湖南 民宿", {P: {"003-ch1-p11"}, C: {"003-ch1-c11"}}),
    ("数易贷 上海", {C: {"003-ch1-c28", "003-ch1-c33", "003-ch1-c36"}}),
    ("建行 数据资产", {C: {"003-ch1-c36"}}),
]


def _key(kind: str, obj) -> str:
    return obj.name if kind == INST else obj.key


def _score(query: str, kind: str, relevant: set[str]) -> tuple[float, float, list[str]]:
    top = [_key(kind, o) for o in search.top(presentation.public_queryset(kind), query, 10)]
    found = len(relevant & set(top))
    recall = found / min(len(relevant), 10)
    precision = found / len(top) if top else 0.0
    return recall, precision, top


@pytest.mark.django_db
def test_relevance_set_recall_at_10(capsys):
    assert len(RELEVANCE) >= 40
    recalls, precisions, misses = [], [], []
    for query, expected in RELEVANCE:
        per_query = []
        for kind, relevant in expected.items():
            relevant = set(relevant() if callable(relevant) else relevant)
            assert relevant, f"{query} / {kind}: empty relevance set (fixture keys changed?)"
            recall, precision, top = _score(query, kind, relevant)
            per_query.append(recall)
            precisions.append(precision)
            if recall < 1:
                misses.append(
                    f"  {query!r} {kind}: recall {recall:.2f}; missing {sorted(relevant - set(top))}"
                )
        recalls.append(sum(per_query) / len(per_query))
    mean_recall = sum(recalls) / len(recalls)
    mean_precision = sum(precisions) / len(precisions)
    # Shown in every run's output (not only on failure), so CI logs carry the figures.
    with capsys.disabled():
        print(
            f"\nrelevance set: {len(RELEVANCE)} queries, {len(precisions)} (query, kind) lists; "
            f"mean recall@10 = {mean_recall:.3f}, mean precision@10 = {mean_precision:.3f}"
        )
        if misses:
            print("\n".join(misses))
    assert mean_recall >= 0.95, "\n".join(misses)


@pytest.mark.django_db
@pytest.mark.parametrize("query", [q for q, _ in RELEVANCE[::4]])
def test_consistency_page_order_is_the_api_order(query):
    """`top` (the page, tier by tier) and `filter_queryset` (the API lists) rank alike."""
    for kind in (P, C, N, INST):
        qs = presentation.public_queryset(kind)
        assert [o.pk for o in search.top(qs, query, 10)] == [
            o.pk for o in search.filter_queryset(qs, query)[:10]
        ]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["绿色", "银行", "Hunan", "贷"])
def test_consistency_when_tiers_overflow_the_candidate_cap(monkeypatch, query):
    """With a tiny cap every tier takes the newest-first walk (the path common terms take on a
    million cases); the order must not change."""
    monkeypatch.setattr(search, "CANDIDATE_CAP", 2)
    for kind in (P, C, N, INST):
        qs = presentation.public_queryset(kind)
        assert [o.pk for o in search.top(qs, query, 10)] == [
            o.pk for o in search.filter_queryset(qs, query)[:10]
        ]


@pytest.mark.django_db
@pytest.mark.parametrize("cap", [search.CANDIDATE_CAP, 2])
@pytest.mark.parametrize("query", ["绿色", "银行", "Hunan", "贷", "湖南 民宿"])
def test_api_pages_walked_tier_by_tier_are_the_sql_order(monkeypatch, cap, query):
    """The API reads a page of a relevance-ordered list with `ranked_slice` (the index walked tier
    by tier); every page must be the slice SQL gives, also with a filter applied after `q`."""
    monkeypatch.setattr(search, "CANDIDATE_CAP", cap)
    for kind in (P, C, N, INST):
        searched = search.filter_queryset(presentation.public_queryset(kind), query)
        first = searched.order_by("pk").values_list("pk", flat=True).first()
        later = searched.filter(pk__gt=first or 0)  # a filter after `q`: the smallest id goes
        for qs in (searched, later):
            for start, stop in ((0, 10), (3, 8), (10, 20)):
                walked = search.ranked_slice(qs, query, start, stop)
                assert walked is not None
                assert [o.pk for o in walked] == [o.pk for o in qs[start:stop]], (kind, start, stop)


@pytest.mark.django_db
def test_ranked_slice_leaves_other_orders_to_sql():
    searched = search.filter_queryset(presentation.public_queryset(C), "绿色")
    assert search.ranked_slice(searched.order_by("-pk"), "绿色", 0, 10) is None
    assert search.ranked_slice(searched, "绿色", 0, search.SLICE_LIMIT + 1) is None
