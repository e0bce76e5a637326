"""Matching a firm's profile to products, with a reason per criterion.

The rules (also written on /match/ in plain words, see RULES):

* Structured terms (products.ProductTerm, each with its source) decide where they speak: a product
  whose stated terms rule the firm out on region, collateral, firm size, amount or term is excluded
  ("fail"); one whose terms fit scores most ("pass").
* Where the terms are silent the product's other data is read instead, with outcome "unknown": its
  cases' provinces and cities and its institution's location for the region; its target-client,
  collateral, name and description text for collateral and labels; its cases' amounts and terms.
  Such evidence adds to the score but never excludes.
* Themes and category the manager asks for add to the score (category is a hard filter).
* Bank products come first, then government programmes; policy tools and platforms (which are not
  financing a firm applies for) sink.

The catalogue is small (hundreds of products), so every published product is scored in Python
from a handful of queries rather than by one SQL expression per rule.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from catalogue.models import Status
from institutions.models import Region
from policies.models import Policy
from products.models import Case, Category, Product, ProductTerm, TermField

# Text that stands for a vocabulary word where the terms are silent (the words of the documents).
COLLATERAL_WORDS = {
    "pure-credit": r"纯信用|信用贷|信用方式|无抵押|无需抵押|免抵押|无担保",
    "intellectual-property": r"知识产权|专利|商标|著作权",
    "data-assets": r"数据资产|数据知识产权|数据",
    "receivables": r"应收|账款|供应链|订单",
    "bills": r"票据|贴现|承兑",
    "real-estate": r"房产|不动产|房屋|厂房|抵押",
    "equipment": r"设备|机器",
    "carbon-rights": r"碳排放|碳汇|碳配额|排污权|碳",
    "guarantee": r"担保|保证",
    "inventory": r"存货|仓单|库存",
    "land-forest-rights": r"林权|土地经营权|承包经营权",
    "equity": r"股权",
    "charging-rights": r"收费权|收益权|门票",
    "livestock": r"活体|生猪|牲畜|畜禽|牛|羊",
    "bonds": r"债券",
}
LABEL_WORDS = {
    "zhuanjingtexin": r"专精特新",
    "little-giant": r"小巨人",
    "high-tech-enterprise": r"高新技术企业|高新企业",
    "tech-sme": r"科技型中小企业|科技型",
    "tech-enterprise": r"科技企业|科创企业|科技型|科创",
    "manufacturing-champion": r"单项冠军",
    "sole-proprietor": r"个体工商户|个体户",
    "small-business-owner": r"小微企业主|企业主",
    "farmer": r"农户|农民",
    "new-agricultural-entity": r"新型农业经营主体|合作社|家庭农场",
    "rural-entity": r"涉农|农业|农村|乡村",
    "foreign-trade": r"外贸|跨境|进出口|出口|进口|外汇",
    "green-enterprise": r"绿色|环保|节能|低碳",
}
SIZE_WORDS = {"micro": r"小微|微型|中小微", "small": r"小微|中小|小型", "medium": r"中小|中型"}
KIND_SCORE = {"bank_product": 1.0, "government_programme": 0.5, "policy_tool": -1.5, "platform_service": -2.5}
HARD = ("region", "collateral", "size", "amount", "term", "category")

RULES = [
    _(
        "Products whose own stated terms rule the client out are left out: a region served elsewhere, "
        "only collateral the client cannot offer, another firm size, an amount or a term outside the "
        "stated limits. A chosen category is a filter too."
    ),
    _(
        "Where the terms say nothing, the product's cases and text are read instead: cases in the "
        "client's province or city and an institution there count for the region; collateral and "
        "target clients written in the description count for collateral and labels; amounts and terms "
        'of its cases count for amount and term. These reasons are marked "unknown" and never exclude.'
    ),
    _(
        "Each fitting criterion adds to the score: region and collateral most, then firm labels, "
        "purpose (themes), industry, size, amount and term."
    ),
    _(
        "Bank products come first, then government programmes; policy tools and platforms, which are "
        "not financing a firm applies for, come last."
    ),
]


@dataclass
class Profile:
    province: Region | None = None
    city: Region | None = None
    industry: str = ""
    size: str = ""
    labels: list[str] = field(default_factory=list)
    collateral: list[str] = field(default_factory=list)
    amount: Decimal | None = None
    term_months: int | None = None
    themes: list[str] = field(default_factory=list)
    category: Category | None = None
    category_ids: set[int] = field(default_factory=set)


@dataclass
class Reason:
    criterion: str
    outcome: str  # pass | fail | unknown
    source: ProductTerm | None = None
    note: str = ""


@dataclass
class Match:
    product: Product
    score: float
    reasons: list[Reason]
    cases: list[Case] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)

    @property
    def excluded_by(self) -> list[str]:
        return [r.criterion for r in self.reasons if r.outcome == "fail" and r.criterion in HARD]


def _text(product: Product) -> str:
    return " ".join(
        [product.name, product.target_clients, product.collateral, product.description, product.category.name]
    )


def _found(words: dict[str, str], slugs: Iterable[str], text: str) -> list[str]:
    return [s for s in slugs if s in words and re.search(words[s], text)]


def _terms(product: Product, f: str) -> list[ProductTerm]:
    return [t for t in product.all_terms if t.field == f]


def _region(p: Profile, product: Product, cases: list[Case]) -> tuple[Reason, float]:
    stated = _terms(product, TermField.REGION)
    if stated:
        for t in stated:
            if t.province_id == p.province.pk and (
                t.city_id is None or p.city is None or t.city_id == p.city.pk
            ):
                return Reason("region", "pass", t), 4.0 + (1.0 if t.city_id and p.city else 0.0)
        return Reason("region", "fail", stated[0]), 0.0
    score = 0.0
    inst = product.institution
    inst_province = inst.province_id if inst else None
    case_provinces = {c.province_id for c in cases if c.province_id}
    case_cities = {c.city_id for c in cases if c.city_id}
    if p.province.pk in case_provinces:
        score = 3.0 + (1.0 if p.city and p.city.pk in case_cities else 0.0)
        return Reason("region", "unknown", note="case"), score
    if inst_province == p.province.pk:
        score = 2.5 + (0.5 if p.city and inst and inst.city_id == p.city.pk else 0.0)
        return Reason("region", "unknown", note="institution"), score
    if case_provinces or inst_province:
        return Reason("region", "unknown", note="elsewhere"), -2.0
    return Reason("region", "unknown", note="national"), 0.5


def _set_criterion(
    name: str,
    wanted: list[str],
    stated: list[ProductTerm],
    words: dict[str, str],
    text: str,
    weight: float,
    always_pass: Iterable[str] = (),
) -> tuple[Reason | None, float]:
    """A criterion over a set of vocabulary words (collateral, labels): pass if the product's stated
    words meet the client's, fail if they do not, else read the text."""
    if not wanted:
        return None, 0.0
    if stated:
        hit = [t for t in stated if t.value in wanted or t.value in always_pass]
        if hit:
            return Reason(name, "pass", hit[0]), weight
        return Reason(name, "fail", stated[0]), -weight / 2
    found = _found(words, wanted, text)
    if found:
        return Reason(name, "unknown", note="text"), weight * 0.6
    return Reason(name, "unknown"), 0.0


def _range(
    name: str,
    value: Decimal | int | None,
    stated: list[ProductTerm],
    seen: list[Decimal | int],
    weight: float,
) -> tuple[Reason | None, float]:
    if value is None:
        return None, 0.0
    if stated:
        t = stated[0]
        if (t.low is None or value >= t.low) and (t.high is None or value <= t.high):
            return Reason(name, "pass", t), weight
        return Reason(name, "fail", t), 0.0
    # A case of a similar size (within a factor of five) suggests the product fits.
    if any(s and Decimal(value) / 5 <= Decimal(s) <= Decimal(value) * 5 for s in seen):
        return Reason(name, "unknown", note="case"), weight * 0.5
    return Reason(name, "unknown"), 0.0


def score_product(p: Profile, product: Product, cases: list[Case]) -> Match:
    reasons: list[Reason] = []
    total = 0.0
    text = _text(product)

    def add(pair: tuple[Reason | None, float]) -> None:
        nonlocal total
        if pair[0] is not None:
            reasons.append(pair[0])
            total += pair[1]

    if p.province:
        add(_region(p, product, cases))
    add(
        _set_criterion(
            "collateral",
            p.collateral,
            _terms(product, TermField.COLLATERAL),
            COLLATERAL_WORDS,
            text,
            3.0,
            always_pass=("pure-credit",),
        )
    )
    label_reason, label_score = _set_criterion(
        "labels", p.labels, _terms(product, TermField.LABEL), LABEL_WORDS, text, 2.0
    )
    if label_reason and label_reason.outcome == "fail":
        label_score = -0.5  # labels the documents name are often those of one client, not a rule
    add((label_reason, label_score))
    if p.size:
        stated = _terms(product, TermField.SIZE)
        if stated:
            hit = [t for t in stated if t.value == p.size]
            add((Reason("size", "pass", hit[0]), 1.0) if hit else (Reason("size", "fail", stated[0]), 0.0))
        else:
            add(
                (
                    Reason("size", "unknown", note="text" if _found(SIZE_WORDS, [p.size], text) else ""),
                    0.5 if _found(SIZE_WORDS, [p.size], text) else 0.0,
                )
            )
    if p.industry:
        stated = _terms(product, TermField.INDUSTRY)
        if stated:
            hit = [t for t in stated if t.value == p.industry]
            add(
                (Reason("industry", "pass", hit[0]), 1.5)
                if hit
                else (Reason("industry", "fail", stated[0]), -1.0)
            )
        else:
            add((Reason("industry", "unknown"), 0.0))
    add(
        _range(
            "amount", p.amount, _terms(product, TermField.AMOUNT), [c.amount for c in cases if c.amount], 1.0
        )
    )
    add(_range("term", p.term_months, _terms(product, TermField.TERM), [c.term_months for c in cases], 1.0))
    if p.themes:
        shared = {t.slug for t in product.themes.all()} & set(p.themes)
        add((Reason("theme", "pass" if shared else "fail"), min(len(shared), 2) * 1.5))
    if p.category:
        ok = product.category_id in p.category_ids
        add((Reason("category", "pass" if ok else "fail"), 2.0 if ok else 0.0))
    kind = next((t for t in _terms(product, TermField.PROGRAMME_KIND)), None)
    if kind:
        outcome = "pass" if kind.value in ("bank_product", "government_programme") else "fail"
        add((Reason("programme", outcome, kind), KIND_SCORE.get(kind.value, 0.0)))
    return Match(product, round(total, 2), reasons)


def _products() -> list[Product]:
    return list(
        Product.objects.published()
        .select_related("institution", "category")
        .prefetch_related(
            "themes",
            Prefetch("terms", queryset=ProductTerm.objects.select_related("document"), to_attr="all_terms"),
        )
    )


def match(p: Profile, limit: int = 10) -> tuple[list[Match], Counter]:
    """The ranked matches (best first, at most `limit`) and, per hard criterion, how many products
    it excluded."""
    if p.category:
        p.category_ids = set(Category.objects.subtree(p.category).values_list("pk", flat=True))
    products = _products()
    cases_by: dict[int, list[Case]] = {}
    for c in Case.objects.published().only(
        "id", "product_id", "province_id", "city_id", "amount", "term_months", "date"
    ):
        cases_by.setdefault(c.product_id, []).append(c)
    scored, excluded = [], Counter()
    for product in products:
        m = score_product(p, product, cases_by.get(product.pk, []))
        if m.excluded_by:
            excluded.update(m.excluded_by)
            continue
        scored.append(m)
    scored.sort(key=lambda m: (-m.score, m.product.name, m.product.pk))
    top = scored[:limit]
    _attach_cases(p, top)
    _attach_policies(p, top)
    return top, excluded


def _attach_cases(p: Profile, matches: list[Match], per: int = 3) -> None:
    """Nearest peer cases: the client's province first, then the product's own before its category's."""
    if not matches:
        return
    cats = {m.product.category_id for m in matches}
    pool = list(
        Case.objects.published()
        .filter(product__category_id__in=cats)
        .select_related("institution", "province", "city", "product")
        .order_by("-date", "-id")[:2000]
    )
    province = p.province.pk if p.province else None
    for m in matches:

        def rank(c: Case, m: Match = m) -> tuple:
            return (c.province_id != province or province is None, c.product_id != m.product.pk)

        mine = [
            c for c in pool if c.product_id == m.product.pk or c.product.category_id == m.product.category_id
        ]
        m.cases = sorted(mine, key=rank)[:per]


def _attach_policies(p: Profile, matches: list[Match]) -> None:
    """Support that applies: notices linked to the product (or named by its support terms) that are
    national or of the client's province."""
    if not matches:
        return
    keys = {
        t.detail.get("policy")
        for m in matches
        for t in _terms(m.product, TermField.SUPPORT)
        if t.detail.get("policy")
    }
    qs = (
        Policy.objects.published()
        .filter(status=Status.PUBLISHED)
        .filter(products__in=[m.product.pk for m in matches])
        .prefetch_related("products")
        .distinct()
    )
    named = {pol.key: pol for pol in Policy.objects.published().filter(key__in=keys)}
    linked: dict[int, list[Policy]] = {}
    for pol in qs:
        for prod in pol.products.all():
            linked.setdefault(prod.pk, []).append(pol)
    province = p.province.pk if p.province else None
    for m in matches:
        pols = [
            named[k] for t in _terms(m.product, TermField.SUPPORT) if (k := t.detail.get("policy")) in named
        ]
        pols += [pol for pol in linked.get(m.product.pk, []) if pol not in pols]
        m.policies = [pol for pol in pols if pol.province_id in (None, province)][:5]


def most_excluding(excluded: Counter) -> str | None:
    return excluded.most_common(1)[0][0] if excluded else None
