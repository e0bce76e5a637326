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

A request scores in Python only the products SQL bounds as possibly best (see "The SQL prefilter"
below): at a million cases the catalogue holds some 20,000 products.
"""

from __future__ import annotations

import gc
import hashlib
import heapq
import operator
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from itertools import islice, takewhile
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    Field,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models import (
    Case as CaseWhen,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from catalogue.fulltext.query import filter_queryset as search
from catalogue.numerals import cn_number
from catalogue.versioning import catalogue_version
from institutions.models import Institution, Region
from policies.models import Policy, PolicySource
from products.models import Case, Category, Product, ProductTerm, TermField
from products.selectors import peer_cases

T = TypeVar("T")

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
# Policy tools (refinancing for banks) and platforms are not financing a firm applies for: they
# rank after every bank product and government programme, whatever their score.
KIND_TIER = {"policy_tool": 1, "platform_service": 1}
# Stated terms on these criteria exclude a product outright (the product says so itself).
HARD = ("region", "collateral", "size", "amount", "term", "category")
# Head offices of these kinds serve the whole country; a branch or a local bank does not.
NATIONAL_KINDS = {
    "central-bank",
    "regulator",
    "policy-bank",
    "large-state-bank",
    "joint-stock-bank",
    "private-bank",
    "exchange",
    "association",
    "technology-company",
    "payment-institution",
    "insurance-company",
    "securities-company",
    "fund-company",
    "trust-company",
    "financial-leasing",
}


@dataclass(frozen=True)
class Criterion:
    name: str
    weight: float
    description: str
    # Evidence short of a stated term earns a fraction of the weight, by the reason's note (a case
    # there, the text says so...); the region's "city" part is a bonus on top of a province that fits.
    parts: dict[str, float] = field(default_factory=dict)

    def part(self, note: str) -> float:
        """The score for evidence `note`: the weight times its fraction."""
        return self.weight * self.parts[note]


# The one table of weights: score_product reads the weights and their parts, the page's rules and
# the API's description read the same rows, so the rules shown are the rules applied.
CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "region",
        4.0,
        _(
            "Region: a stated region covering the client's province (one more if it names the city); "
            "cases there or the institution there count a little less. A product without national "
            "reach whose institution and cases are all elsewhere does not fit."
        ),
        {"city": 0.25, "case": 0.75, "institution": 0.625, "institution-city": 0.125, "national": 0.125},
    ),
    Criterion(
        "collateral",
        3.0,
        _(
            "Collateral: stated collateral the client can offer; written in the text, 0.6 of it; a "
            "product that takes none (pure credit) fits any client, half of it when the client offers "
            "collateral the product does not take."
        ),
        {"text": 0.6, "no-collateral": 0.5},
    ),
    Criterion(
        "labels",
        2.0,
        _("Labels: a stated eligible-firm label the client has; written in the text, 0.6 of it."),
        {"text": 0.6},
    ),
    Criterion("category", 2.0, _("Category: the chosen category or one below it (others are left out).")),
    Criterion(
        "need",
        4.0,
        _(
            "Need: the share of the client's need phrases found in the product's name, description or "
            "cases; 0.6 of it unless the product's own name speaks to the need. A client asking for "
            "financing is not served by a service that is none (accounts, payments, settlement, "
            "platforms): it does not fit."
        ),
        {"text": 0.6},
    ),
    Criterion("theme", 1.5, _("Purpose: each theme shared with the client's, at most two.")),
    Criterion("industry", 1.5, _("Industry: a stated industry section that is the client's.")),
    Criterion(
        "size",
        1.0,
        _("Firm size: a stated size that is the client's; written in the text, half."),
        {"text": 0.5},
    ),
    Criterion(
        "amount", 1.0, _("Amount: within the stated limits; a case of similar size, half."), {"case": 0.5}
    ),
    Criterion("term", 1.0, _("Term: within the stated limits; a case of similar term, half."), {"case": 0.5}),
    Criterion(
        "programme",
        1.0,
        _(
            "Kind: a bank product adds the weight, a government programme half of it; a policy tool "
            "takes 1.5 times it away and a platform 2.5 times (and both rank after the others)."
        ),
        {"bank_product": 1.0, "government_programme": 0.5, "policy_tool": -1.5, "platform_service": -2.5},
    ),
)
BY_NAME = {c.name: c for c in CRITERIA}
WEIGHTS = {c.name: c.weight for c in CRITERIA}

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
        'of its cases count for amount and term. These reasons are marked "unknown".'
    ),
    _(
        'Order: a product with no "does not fit" ranks above any product with one, fewer of those '
        "above more; among equals, bank products and government programmes come before policy tools "
        "and platforms (which are not financing a firm applies for); then the score decides, and at "
        "equal scores a bank product comes before a government programme."
    ),
    _("The score adds, for each criterion, its weight when it fits:"),
]


def rules_text() -> str:
    """The rules and the table of weights in plain text (the API's description)."""
    rows = [f"- {c.name} ({c.weight:g}): {c.description}{_parts_text(c)}" for c in CRITERIA]
    return "\n\n".join(str(r) for r in RULES) + "\n\n" + "\n".join(rows)


def _parts_text(c: Criterion) -> str:
    """The fractions of a weight the scorer gives for lesser evidence, as the table holds them."""
    return " [" + ", ".join(f"{note} ×{share:g}" for note, share in c.parts.items()) + "]" if c.parts else ""


@dataclass
class ClientFields:
    """What is known of a client, field by field (a sentence's reading fills the same fields)."""

    province: Region | None = None
    city: Region | None = None
    industry: str = ""
    size: str = ""
    labels: list[str] = field(default_factory=list)
    collateral: list[str] = field(default_factory=list)
    amount: Decimal | None = None
    term_months: int | None = None
    themes: list[str] = field(default_factory=list)
    # Phrases of the client's need as written (what a sentence said beyond the vocabularies).
    need: list[str] = field(default_factory=list)
    # The client asks for money (a loan, discounting, factoring...), not a service.
    financing: bool = False


@dataclass
class Profile(ClientFields):
    category: Category | None = None
    category_ids: set[int] = field(default_factory=set)

    def is_empty(self) -> bool:
        """Nothing to rank by: every product would tie, so no ranking is shown."""
        return not any(
            (
                self.province,
                self.industry,
                self.size,
                self.labels,
                self.collateral,
                self.amount is not None,
                self.term_months is not None,
                self.themes,
                self.category,
                self.need,
            )
        )


@dataclass
class Reason:
    criterion: str
    outcome: str  # pass | fail | unknown
    source: ProductTerm | None = None
    note: str = ""
    # The words of the product's own text that suggested it (outcome "unknown", note "text").
    quote: str = ""


@dataclass
class Match:
    product: Product
    score: float
    reasons: list[Reason]
    cases: list[Case] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    kind: str = ""

    @property
    def excluded_by(self) -> list[str]:
        """Criteria on which the product's own stated terms rule the client out."""
        return [
            r.criterion
            for r in self.reasons
            if r.outcome == "fail"
            and r.criterion in HARD
            and (r.source is not None or r.criterion == "category")
        ]

    @property
    def fails(self) -> int:
        """How many criteria do not fit (the programme kind is an order of its own, not a fail)."""
        return sum(1 for r in self.reasons if r.outcome == "fail" and r.criterion != "programme")

    def sort_key(self) -> tuple:
        """Fewer fails first (none before any); at each count bank products and programmes before
        policy tools and platforms; then the score; at equal scores the kind's part of the table
        (a bank product before a government programme)."""
        kind = BY_NAME["programme"].parts.get(self.kind, 0.0)
        return (
            self.fails,
            KIND_TIER.get(self.kind, 0),
            -self.score,
            -kind,
            self.product.name,
            self.product.pk,
        )


def _text(product: Product) -> str:
    return " ".join(
        [product.name, product.target_clients, product.collateral, product.description, product.category.name]
    )


def _found(words: dict[str, str], slugs: Iterable[str], text: str) -> list[str]:
    return [s for s in slugs if s in words and re.search(words[s], text)]


def _quote(words: dict[str, str], slugs: Iterable[str], text: str, around: int = 12) -> str:
    """The first passage of `text` where one of the words occurs, a few characters either side, so
    a reason read from the description shows what the description says."""
    for s in slugs:
        if s in words and (m := re.search(words[s], text)):
            start, end = max(m.start() - around, 0), min(m.end() + around, len(text))
            return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")
    return ""


def _terms(product: Product, f: str) -> list[ProductTerm]:
    return [t for t in product.all_terms if t.field == f]


def _national(product: Product) -> bool:
    """Whether the product can reach a firm anywhere: offered by the head office of a national
    institution, or by no institution at all (a central programme)."""
    inst = product.institution
    if inst is None:
        return True
    if inst.kind == "government" and inst.parent_id is None and inst.city_id is None:
        # Ministries are filed under Beijing; a local government's name starts with its place.
        province = inst.province
        return province is None or not inst.name.startswith((province.name, province.short_name))
    return inst.parent_id is None and inst.kind in NATIONAL_KINDS


@dataclass
class CaseEvidence:
    """What a product's published cases say about one profile, computed in SQL as EXISTS
    annotations on the product query (see `_products`): a request reads one row per product, not
    its cases."""

    placed: bool = False  # any case names a province
    in_province: bool = False
    in_city: bool = False
    similar_amount: bool = False  # a case within a factor of five of the client's amount
    similar_term: bool = False


Scored = tuple[Reason | None, float]


def _stated_region(p: Profile, stated: list[ProductTerm]) -> Scored:
    region = BY_NAME["region"]
    for t in stated:
        if t.province_id == p.province.pk and (t.city_id is None or p.city is None or t.city_id == p.city.pk):
            city = region.part("city") if t.city_id and p.city else 0.0
            return Reason("region", "pass", t), region.weight + city
    return Reason("region", "fail", stated[0]), 0.0


def _region(p: Profile, product: Product, cases: CaseEvidence) -> Scored:
    """Stated regions decide; else cases there, then the institution there; a local product whose
    cases and institution are all elsewhere fails; a national one is "unknown"."""
    stated = _terms(product, TermField.REGION)
    if stated:
        return _stated_region(p, stated)
    region, inst = BY_NAME["region"], product.institution
    inst_province = inst.province_id if inst else None
    if cases.in_province:
        city = region.part("city") if p.city and cases.in_city else 0.0
        return Reason("region", "unknown", note="case"), region.part("case") + city
    if inst_province == p.province.pk:
        city = region.part("institution-city") if p.city and inst and inst.city_id == p.city.pk else 0.0
        return Reason("region", "unknown", note="institution"), region.part("institution") + city
    if (cases.placed or inst_province) and not _national(product):
        # A Shandong county bank's loan is not for a Hangzhou firm, though no term says so.
        return Reason("region", "fail", note="elsewhere"), 0.0
    return Reason("region", "unknown", note="national"), region.part("national")


def _set_criterion(
    name: str,
    wanted: list[str],
    stated: list[ProductTerm],
    words: dict[str, str],
    text: str,
    always_pass: Iterable[str] = (),
) -> Scored:
    """A criterion over a set of vocabulary words (collateral, labels): pass if the product's stated
    words meet the client's, fail if they do not, else read the text."""
    if not wanted:
        return None, 0.0
    criterion = BY_NAME[name]
    if stated:
        hit = [t for t in stated if t.value in wanted]
        if hit:
            return Reason(name, "pass", hit[0]), criterion.weight
        # It needs none of what the client offers: it fits, but does not use the client's assets.
        free = [t for t in stated if t.value in always_pass]
        if free:
            return Reason(name, "pass", free[0]), criterion.part("no-collateral")
        return Reason(name, "fail", stated[0]), 0.0
    found = _found(words, wanted, text)
    if found:
        return Reason(name, "unknown", note="text", quote=_quote(words, found, text)), criterion.part("text")
    return Reason(name, "unknown"), 0.0


def _range(name: str, value: Decimal | int | None, stated: list[ProductTerm], similar_case: bool) -> Scored:
    """Within the stated limits passes, outside fails; unstated, a case of similar size suggests it."""
    if value is None:
        return None, 0.0
    criterion = BY_NAME[name]
    if stated:
        t = stated[0]
        if (t.low is None or value >= t.low) and (t.high is None or value <= t.high):
            return Reason(name, "pass", t), criterion.weight
        return Reason(name, "fail", t), 0.0
    if similar_case:
        return Reason(name, "unknown", note="case"), criterion.part("case")
    return Reason(name, "unknown"), 0.0


def _stated_choice(name: str, wanted: str, stated: list[ProductTerm]) -> Scored | None:
    """A single-valued criterion (size, industry) the product states: pass if one stated value is
    the client's, else fail; None when the product states nothing."""
    if not stated:
        return None
    hit = [t for t in stated if t.value == wanted]
    return (Reason(name, "pass", hit[0]), WEIGHTS[name]) if hit else (Reason(name, "fail", stated[0]), 0.0)


@dataclass
class _Facts:
    """What the scorer knows of one product beyond its row: its text, its cases, the need search."""

    product: Product
    text: str
    cases: CaseEvidence
    need_hit: bool


def _score_region(p: Profile, f: _Facts) -> Scored:
    return _region(p, f.product, f.cases) if p.province else (None, 0.0)


def _score_collateral(p: Profile, f: _Facts) -> Scored:
    stated = _terms(f.product, TermField.COLLATERAL)
    return _set_criterion(
        "collateral", p.collateral, stated, COLLATERAL_WORDS, f.text, always_pass=("pure-credit",)
    )


def _score_labels(p: Profile, f: _Facts) -> Scored:
    return _set_criterion("labels", p.labels, _terms(f.product, TermField.LABEL), LABEL_WORDS, f.text)


def _score_size(p: Profile, f: _Facts) -> Scored:
    if not p.size:
        return None, 0.0
    stated = _stated_choice("size", p.size, _terms(f.product, TermField.SIZE))
    if stated:
        return stated
    said = bool(_found(SIZE_WORDS, [p.size], f.text))
    reason = Reason(
        "size", "unknown", note="text" if said else "", quote=_quote(SIZE_WORDS, [p.size], f.text)
    )
    return reason, BY_NAME["size"].part("text") if said else 0.0


def _score_industry(p: Profile, f: _Facts) -> Scored:
    if not p.industry:
        return None, 0.0
    return _stated_choice("industry", p.industry, _terms(f.product, TermField.INDUSTRY)) or (
        Reason("industry", "unknown"),
        0.0,
    )


def _score_amount(p: Profile, f: _Facts) -> Scored:
    return _range("amount", p.amount, _terms(f.product, TermField.AMOUNT), f.cases.similar_amount)


def _score_term(p: Profile, f: _Facts) -> Scored:
    return _range("term", p.term_months, _terms(f.product, TermField.TERM), f.cases.similar_term)


def _score_theme(p: Profile, f: _Facts) -> Scored:
    if not p.themes:
        return None, 0.0
    own = {t.slug for t in f.product.themes.all()}
    shared = own & set(p.themes)
    # Themes are how the catalogue files a product, not terms that rule a client out: a factoring
    # product filed under digital finance still serves an inclusive-finance purpose. So a purpose
    # the product is not filed under is "unknown" (noted), never a fail.
    note = "" if shared or not own else "other-themes"
    return Reason("theme", "pass" if shared else "unknown", note=note), min(len(shared), 2) * WEIGHTS["theme"]


def _score_category(p: Profile, f: _Facts) -> Scored:
    if not p.category:
        return None, 0.0
    ok = f.product.category_id in p.category_ids
    return Reason("category", "pass" if ok else "fail"), WEIGHTS["category"] if ok else 0.0


# What a product's name says beyond its kind: "更新贷" is about 更新, "转型金融贷款" about 转型金融.
NAME_SUFFIX = re.compile(r"(?:贷款|贷|业务|产品|服务|融资|方案|计划)$")
NAME_PARTS = re.compile(r"[与和及、+·\-\s\"“”()（）]+")


def _name_cores(name: str) -> list[str]:
    """The words of a product's name that carry its subject (at least two characters each)."""
    cores = (NAME_SUFFIX.sub("", part) for part in NAME_PARTS.split(name))
    return [c for c in cores if len(c) >= 2]


def _names_need(name: str, phrases: list[str]) -> str:
    """The need phrase the product's name speaks to (a phrase in the name, or the name's subject in a
    phrase: "更新贷" for "设备更新"), or ""."""
    for phrase in phrases:
        if phrase in name or any(core in phrase for core in _name_cores(name)):
            return phrase
    return ""


# Categories of services that lend nothing: a client who asks for a loan is not served by them.
NOT_FINANCING = {
    "cross-border-settlement",
    "fx-risk-management",
    "accounts",
    "payments",
    "digital-rmb",
    "pension-services",
    "advisory",
    "fintech-platform",
    "bank-tech-partnership",
}


def _score_need(p: Profile, f: _Facts) -> Scored:
    if p.financing and f.product.category.slug in NOT_FINANCING:
        return Reason("need", "fail", note="not-financing"), 0.0
    if not p.need:
        return None, 0.0
    # Silence of the text is no evidence against the product: "unknown", never "fail". The search
    # index decides whether the need is met (the SQL bound counts on it); the share of phrases met
    # and the product's name decide how well.
    if not f.need_hit:
        return Reason("need", "unknown"), 0.0
    phrases = p.need[:MAX_NEED_PHRASES]
    found = [ph for ph in phrases if ph in f.text] or phrases[:1]
    need = BY_NAME["need"]
    named = _names_need(f.product.name, phrases)
    share = len(found) / len(phrases)
    score = need.weight * share * (1.0 if named else need.parts["text"])
    quote = _quote({"need": "|".join(map(re.escape, [named] if named else found))}, ["need"], f.text)
    return Reason("need", "pass", note="text", quote=quote), score


def _score_programme(p: Profile, f: _Facts) -> Scored:
    kind = next(iter(_terms(f.product, TermField.PROGRAMME_KIND)), None)
    if kind is None:
        return None, 0.0
    outcome = "pass" if kind.value in ("bank_product", "government_programme") else "fail"
    programme = BY_NAME["programme"]
    return Reason("programme", outcome, kind), programme.part(
        kind.value
    ) if kind.value in programme.parts else 0.0


SCORERS = (
    _score_region,
    _score_collateral,
    _score_labels,
    _score_size,
    _score_industry,
    _score_amount,
    _score_term,
    _score_theme,
    _score_category,
    _score_need,
    _score_programme,
)


def score_product(
    p: Profile, product: Product, cases: CaseEvidence | None = None, need_hit: bool = False
) -> Match:
    """One product against a profile: a reason per criterion the profile names, and the score
    (the weights of CRITERIA for what fits, parts of them for what only the text or cases suggest)."""
    facts = _Facts(product, _text(product), cases or CaseEvidence(), need_hit)
    reasons: list[Reason] = []
    total = 0.0
    for scorer in SCORERS:
        reason, score = scorer(p, facts)
        if reason is not None:
            reasons.append(reason)
            total += score
    kind = next((r.source.value for r in reasons if r.criterion == "programme" and r.source), "")
    return Match(product, round(total, 2), reasons, kind=kind)


def _evidence_annotations(p: Profile) -> dict[str, Exists]:
    """EXISTS over the product's published cases, one per fact the profile asks about, so the
    evidence comes back on the product rows (indexed lookups by product, not a read of every case)."""
    cases = Case.objects.published().filter(product=OuterRef("pk"))
    out = {"ev_placed": Exists(cases.filter(province__isnull=False))}
    if p.province:
        out["ev_in_province"] = Exists(cases.filter(province=p.province))
    if p.city:
        out["ev_in_city"] = Exists(cases.filter(city=p.city))
    # A case of a similar size or term (within a factor of five) suggests the product fits.
    if p.amount is not None:
        out["ev_similar_amount"] = Exists(
            cases.filter(amount__gt=0, amount__gte=Decimal(p.amount) / 5, amount__lte=Decimal(p.amount) * 5)
        )
    if p.term_months is not None:
        out["ev_similar_term"] = Exists(
            cases.filter(
                term_months__gt=0, term_months__gte=p.term_months / 5, term_months__lte=p.term_months * 5
            )
        )
    return out


def case_evidence(product: Product) -> CaseEvidence:
    """The evidence `_products` annotated on the product (absent annotations: no evidence)."""
    return CaseEvidence(
        **{name: bool(getattr(product, f"ev_{name}", False)) for name in CaseEvidence.__dataclass_fields__}
    )


def _for_scoring(qs: QuerySet) -> QuerySet:
    """`qs` with what the scorer reads: institution, category, themes and terms."""
    return qs.select_related("institution__province", "category").prefetch_related(
        "themes",
        Prefetch("terms", queryset=ProductTerm.objects.select_related("document"), to_attr="all_terms"),
    )


def _products(p: Profile | None = None) -> list[Product]:
    """Every published product with what the scorer reads, and its case evidence for `p`."""
    return list(_for_scoring(Product.objects.published().annotate(**_evidence_annotations(p or Profile()))))


# At most this many need phrases are searched: one query each, so a request's queries stay bounded.
MAX_NEED_PHRASES = 4


def _need_hits(need: list[str], version: str | None = None) -> dict[int, int]:
    """Per product id, how many of the need's phrases its name, description or cases contain, read
    through the search index (the same search every `q` filter runs). With the catalogue's
    `version`, each phrase's products are kept per version (see `_phrase_hits`)."""
    if not need:
        return {}
    hits: Counter = Counter()
    for phrase in need[:MAX_NEED_PHRASES]:
        hits.update(_phrase_hits(phrase, version))
    return dict(hits)


# A word of a need common in cases (物流) matches tens of thousands of them at a million cases:
# reading which products they belong to takes about a second, and clients' needs repeat words. So
# a phrase's products are kept per catalogue version (a publish is a new version, so a new key).
NEED_CACHE_SECONDS = 3600


def _phrase_hits(phrase: str, version: str | None) -> list[int]:
    """The published products whose own text or a published case contains `phrase`."""

    def read() -> list[int]:
        products = search(Product.objects.published(), phrase).values("pk")
        cases = search(Case.objects.published(), phrase).values("product_id")
        return list(
            Product.objects.published()
            .filter(Q(pk__in=products) | Q(pk__in=cases))
            .order_by()
            .values_list("pk", flat=True)
        )

    key = f"match-need:{version}:{hashlib.sha256(phrase.encode()).hexdigest()[:32]}" if version else ""
    return _kept(key, read, NEED_CACHE_SECONDS, lasting=False)


# What `_kept` holds in this process, by cache key: the per-version tables, and apart from them
# the per-phrase reads (a stream of new sentences fills that one, and its clearing must not drop
# the tables, which cost about 8 ms each to unpickle again).
_KEPT: dict[str, object] = {}
_KEPT_PHRASES: dict[str, object] = {}
KEPT_MAX = 64


def _kept(key: str, read: Callable[[], T], seconds: int, *, lasting: bool = True) -> T:
    """`read()`, kept per catalogue version (in `key`) in the shared cache and, while the shared
    cache still has it, in this process too: unpickling the per-version tables from Redis cost
    about 8 ms each per request at a million cases; an EXISTS costs a fraction of one. Without a
    key nothing is kept. A `lasting` table is then frozen out of the cyclic garbage collector
    (gc.freeze): its million objects live until the next catalogue version, and each full
    collection walked them all, 100 ms and more in the middle of some request (the slow tail)."""
    if not key:
        return read()
    kept = _KEPT if lasting else _KEPT_PHRASES
    mine = kept.get(key)
    if mine is not None and cache.has_key(key):
        return mine  # type: ignore[return-value]
    found = cache.get(key)
    if found is None:
        found = read()
        cache.set(key, found, seconds)
    if len(kept) >= KEPT_MAX:
        kept.clear()
    kept[key] = found
    if lasting:
        # Everything alive now is frozen, not only the table, so garbage is collected first (else
        # cycles already dead would never be freed); the request's own live objects are freed by
        # reference counting as usual, only a cycle among them stays (once per table and version).
        gc.collect()
        gc.freeze()
    return found


# ---------------------------------------------------------------------------------------------
# The prefilter. At a million cases the catalogue holds some 20,000 products: scoring each in
# Python is too slow for one request. So, from the same CRITERIA, every product gets whether its
# stated terms exclude it (exactly as `Match.excluded_by`), a lower bound of its fails and its tier
# and an upper bound of its score (text evidence is assumed found; the scorer reads it): SQL
# computes them for the few products with stated terms or themes, Python for the plain rest from
# sets kept per catalogue version (`_plain_bounds`: SQL spent 50-100 ms evaluating the bound row by
# row over 20,000 rows). The products are ordered by that optimistic key (then name, as results
# are) and scored in Python a batch at a time: first CANDIDATES, then every product whose best key
# is still ahead of the last result. No product can rank higher than its optimistic key, so once
# none left unscored is ahead, the page is the one scoring everything gives, ties decided by name.

CANDIDATES = 20
Num = ExpressionWrapper


def _terms_of(f: str, **lookups: object) -> Exists:
    """EXISTS a term of the product in field `f` (with `lookups`)."""
    return Exists(ProductTerm.objects.filter(product=OuterRef("pk"), field=f, **lookups))


def _first_term(f: str, column: str) -> Subquery:
    """The first stated term's `column` in field `f` (the scorer reads `stated[0]` for ranges)."""
    first = ProductTerm.objects.filter(product=OuterRef("pk"), field=f).order_by("position", "pk")
    return Subquery(first.values(column)[:1])


def _weight(value: float) -> Value:
    return Value(value, output_field=FloatField())


def _pick(condition: Q | Exists, then: float, otherwise: float = 0.0) -> CaseWhen:
    return CaseWhen(
        When(condition, then=_weight(then)), default=_weight(otherwise), output_field=FloatField()
    )


def _range_in(f: str, value: Decimal | int) -> tuple[Q, dict[str, Subquery]]:
    """The first stated limit of field `f` holds `value` (null limits are open)."""
    low, high = _first_term(f, "low"), _first_term(f, "high")
    within = (Q(**{f"_{f}_low__isnull": True}) | Q(**{f"_{f}_low__lte": value})) & (
        Q(**{f"_{f}_high__isnull": True}) | Q(**{f"_{f}_high__gte": value})
    )
    return within, {f"_{f}_low": low, f"_{f}_high": high}


def _exclusions(p: Profile) -> tuple[dict[str, object], dict[str, Q]]:
    """Annotations and, per hard criterion, the condition under which the product's stated terms
    exclude it (the same cases as `Match.excluded_by`)."""
    notes: dict[str, object] = {}
    out: dict[str, Q] = {}
    if p.province:
        here = Q(province=p.province) & (Q(city__isnull=True) | Q(city=p.city) if p.city else Q())
        notes["_region_stated"] = _terms_of(TermField.REGION)
        notes["_region_here"] = Exists(
            ProductTerm.objects.filter(here, product=OuterRef("pk"), field=TermField.REGION)
        )
        out["region"] = Q(_region_stated=True, _region_here=False)
    for name, f, wanted in (
        ("collateral", TermField.COLLATERAL, [*p.collateral, "pure-credit"]),
        ("size", TermField.SIZE, [p.size]),
    ):
        if p.collateral if name == "collateral" else p.size:
            notes[f"_{name}_stated"] = _terms_of(f)
            notes[f"_{name}_hit"] = _terms_of(f, value__in=wanted)
            out[name] = Q(**{f"_{name}_stated": True, f"_{name}_hit": False})
    for name, value in (("amount", p.amount), ("term", p.term_months)):
        if value is not None:
            within, columns = _range_in(name, value)
            notes.update(columns)
            notes[f"_{name}_stated"] = _terms_of(name)
            out[name] = Q(**{f"_{name}_stated": True}) & ~within
    if p.category:
        out["category"] = ~Q(category_id__in=p.category_ids)
    return notes, out


def _bound_score(
    p: Profile,
    need_ids: set[int],
    said: dict[str, dict[str, list[int]]],
    spans_by: dict[str, list[tuple[int, float, float]]],
    named: Q,
    among: frozenset[int],
) -> tuple[dict[str, object], list, list]:
    """Annotations, the summands of the score's upper bound (see the scorers above), and the same
    summands for a plain product (no terms, no themes: see `_plain`), where no stated term can
    speak; `said`: the products whose text has each word (`_text_words`); `named`: the products
    whose name speaks to the need (`_named`); `among`: the products the query reads."""
    notes: dict[str, object] = {}
    parts: list = []
    plain: list = []
    if p.province:
        parts.append(_region_bound(p))
        plain.append(_region_bound(p, stated=False))
    _set_bounds(p, said, among, notes, parts, plain)
    if p.industry:
        notes["_industry_stated"] = _terms_of(TermField.INDUSTRY)
        notes["_industry_hit"] = _terms_of(TermField.INDUSTRY, value=p.industry)
        parts.append(_pick(Q(_industry_hit=True), WEIGHTS["industry"]))
    _range_bounds(p, spans_by, among, parts, plain)
    if p.themes:
        shared = Exists(
            Product.themes.through.objects.filter(product=OuterRef("pk"), theme__slug__in=p.themes)
        )
        parts.append(_pick(shared, min(len(set(p.themes)), 2) * WEIGHTS["theme"]))
    if p.category:
        parts.append(_weight(WEIGHTS["category"]))
        plain.append(_weight(WEIGHTS["category"]))
    if p.need:
        parts.append(_need_bound(_ids_q(sorted(need_ids), among), named))
        plain.append(_need_bound(_ids_q(sorted(need_ids), among), named))
    parts.append(_programme_bound())
    return notes, parts, plain


def _need_bound(hit: Q, named: Q) -> CaseWhen:
    """The need's best: the whole weight where the product's name speaks to the need, the text's
    part where only its text or cases do (every phrase assumed found: the share is at most 1)."""
    need = BY_NAME["need"]
    return CaseWhen(
        When(hit & named, then=_weight(need.weight)),
        When(hit, then=_weight(need.weight * need.parts["text"])),
        default=_weight(0.0),
        output_field=FloatField(),
    )


# Per catalogue version, the subjects of the published products' names (`_name_cores`), each with
# the products whose name has it: a need's phrases then find the products named for them by their
# substrings, not by a regular expression over 20,000 names per request.
NAME_CORES_SECONDS = 3600


def _name_cores_index(version: str | None) -> dict[str, list[int]]:
    """{a name's core: the published products whose name has it}, kept per catalogue version."""

    def read() -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        rows = Product.objects.published().order_by().values_list("pk", "name")
        for pk, name in rows.iterator(chunk_size=5000):
            for core in set(_name_cores(name)):
                found.setdefault(core, []).append(pk)
        return found

    return _kept(f"match-name-cores:{version}" if version else "", read, NAME_CORES_SECONDS)


def _cores_named(need: list[str], version: str | None) -> set[int]:
    """The products one of whose name's cores is inside a phrase of the need (each substring of a
    phrase looked up); with a phrase inside the name (see `_named`), what `_names_need` reads."""
    cores = _name_cores_index(version)
    return {
        pk
        for ph in need[:MAX_NEED_PHRASES]
        for i in range(len(ph))
        for j in range(i + 2, len(ph) + 1)
        for pk in cores.get(ph[i:j], ())
    }


def _named(need: list[str], version: str | None) -> Q:
    """The products whose name speaks to the need as `_names_need` reads it."""
    in_name = [Q(name__contains=ph) for ph in need[:MAX_NEED_PHRASES]]
    return reduce(operator.or_, in_name, _ids_q(sorted(_cores_named(need, version))))


def _set_bounds(
    p: Profile,
    said: dict[str, dict[str, list[int]]],
    among: frozenset,
    notes: dict[str, object],
    parts: list,
    plain: list,
) -> None:
    """The bounds of collateral, labels and size: the whole weight where a stated term has the
    client's value, the text's part where none is stated and the text says it."""
    for name, field_, wanted in (
        ("collateral", TermField.COLLATERAL, p.collateral),
        ("labels", TermField.LABEL, p.labels),
        ("size", TermField.SIZE, [p.size] if p.size else []),
    ):
        if not wanted:
            continue
        c = BY_NAME[name]
        if name == "labels":
            notes["_labels_stated"] = _terms_of(field_)
            notes["_labels_hit"] = _terms_of(field_, value__in=wanted)
        parts.append(
            CaseWhen(
                When(**{f"_{name}_hit": True}, then=_weight(c.weight)),
                When(
                    Q(**{f"_{name}_stated": False}) & _says(said[name], wanted, among),
                    then=_weight(c.part("text")),
                ),
                default=_weight(0.0),
                output_field=FloatField(),
            )
        )
        plain.append(_pick(_says(said[name], wanted, among), c.part("text")))


def _range_bounds(
    p: Profile,
    spans_by: dict[str, list[tuple[int, float, float]]],
    among: frozenset,
    parts: list,
    plain: list,
) -> None:
    """The bounds of amount and term: the whole weight where the product states a range; unstated,
    the case part where the product's cases span the client's value."""
    for name, value in (("amount", p.amount), ("term", p.term_months)):
        if value is None:
            continue
        c = BY_NAME[name]
        spanning = _spanning(spans_by[name], value)
        parts.append(
            CaseWhen(
                When(**{f"_{name}_stated": True}, then=_weight(c.weight)),
                When(_ids_q(spanning, among), then=_weight(c.part("case"))),
                default=_weight(0.0),
                output_field=FloatField(),
            )
        )
        plain.append(_pick(_ids_q(spanning, among), c.part("case")))


# Per product, the smallest and largest amount and term of its published cases, per catalogue
# version: one grouped query over the cases (about half a second at a million), then a bound of
# "a case of similar amount / term" that is false where the product's cases cannot hold one (no
# synthetic case of the benchmark states a term, so the term's part is never theirs).
CASE_SPANS_SECONDS = 3600


def _case_spans(version: str | None) -> dict[str, list[tuple[int, float, float]]]:
    """{"amount" | "term": [(product id, smallest, largest)]} over published cases with a value
    above 0 (as `_evidence_annotations` reads them), kept per catalogue version."""

    def read() -> dict[str, list[tuple[int, float, float]]]:
        rows = (
            Case.objects.published()
            .order_by()
            .values("product_id")
            .annotate(
                amount_low=Min("amount", filter=Q(amount__gt=0)),
                amount_high=Max("amount", filter=Q(amount__gt=0)),
                term_low=Min("term_months", filter=Q(term_months__gt=0)),
                term_high=Max("term_months", filter=Q(term_months__gt=0)),
            )
            .values_list("product_id", "amount_low", "amount_high", "term_low", "term_high")
        )
        found: dict[str, list[tuple[int, float, float]]] = {"amount": [], "term": []}
        for pk, a_low, a_high, t_low, t_high in rows.iterator(chunk_size=5000):
            if a_low is not None:
                found["amount"].append((pk, float(a_low), float(a_high)))
            if t_low is not None:
                found["term"].append((pk, float(t_low), float(t_high)))
        return found

    return _kept(f"match-case-spans:{version}" if version else "", read, CASE_SPANS_SECONDS)


def _spanning(spans: list[tuple[int, float, float]], value: Decimal | int) -> list[int]:
    """The products whose cases' span meets [value / 5, value × 5] (a similar case is possible);
    a little wider, so a rounding of the bounds never leaves out one that has such a case."""
    low, high = float(value) / 5 * 0.999, float(value) * 5 * 1.001
    return [pk for pk, lo, hi in spans if hi >= low and lo <= high]


def _plain() -> Q:
    """A product with no stated term and no theme: most of a large catalogue (the synthetic ones
    of the benchmark, products read from a table without terms). Its bound needs no term lookups,
    so SQL works out the full bound for the few others only (CASE evaluates one branch)."""
    return ~Q(pk__in=ProductTerm.objects.values("product_id")) & ~Q(
        pk__in=Product.themes.through.objects.values("product_id")
    )


def _region_bound(p: Profile, *, stated: bool = True) -> CaseWhen:
    """The region's best: a stated region that is left holds the client; else cases, institution
    (`stated` False: a product with no terms)."""
    region = BY_NAME["region"]
    city = region.part("city") if p.city else 0.0
    inst_city = region.part("institution-city") if p.city else 0.0
    case_city = [When(ev_in_province=True, ev_in_city=True, then=_weight(region.part("case") + city))]
    return CaseWhen(
        *([When(_region_stated=True, then=_weight(region.weight + city))] if stated else []),
        *(case_city if p.city else []),
        When(ev_in_province=True, then=_weight(region.part("case"))),
        # A subquery, not a join: the planner joined every product to every institution.
        When(
            Q(institution_id__in=Institution.objects.filter(province=p.province).values("pk")),
            then=_weight(region.part("institution") + inst_city),
        ),
        default=_weight(region.part("national")),
        output_field=FloatField(),
    )


def _programme_bound() -> CaseWhen:
    """The best of the product's programme kinds (a kind outside the table, or none, scores 0)."""
    programme = BY_NAME["programme"]
    negative = [k for k, share in programme.parts.items() if share < 0]
    other = _terms_of(TermField.PROGRAMME_KIND) & ~Exists(
        ProductTerm.objects.filter(product=OuterRef("pk"), field=TermField.PROGRAMME_KIND, value__in=negative)
    )
    whens = [
        When(_terms_of(TermField.PROGRAMME_KIND, value=k), then=_weight(programme.part(k)))
        for k, share in sorted(programme.parts.items(), key=lambda kv: -kv[1])
        if share > 0
    ]
    whens.append(When(~_terms_of(TermField.PROGRAMME_KIND) | other, then=_weight(0.0)))
    whens += [
        When(_terms_of(TermField.PROGRAMME_KIND, value=k), then=_weight(programme.part(k)))
        for k, share in sorted(programme.parts.items(), key=lambda kv: -kv[1])
        if share <= 0
    ]
    return CaseWhen(*whens, default=_weight(0.0), output_field=FloatField())


def _bound_fails(p: Profile) -> tuple[list, list]:
    """Fails the stated terms already show (labels, industry), and those any product can show (a
    service that lends nothing, to a client asking for financing); a region "elsewhere" is left to
    the scorer, so this never overestimates."""
    fails, plain = [], []
    if p.financing:
        services = Category.objects.filter(slug__in=NOT_FINANCING).values("pk")
        plain.append(CaseWhen(When(category_id__in=services, then=Value(1)), default=Value(0)))
    if p.labels:
        fails.append(CaseWhen(When(_labels_stated=True, _labels_hit=False, then=Value(1)), default=Value(0)))
    if p.industry:
        fails.append(
            CaseWhen(When(_industry_stated=True, _industry_hit=False, then=Value(1)), default=Value(0))
        )
    return fails, plain


def _tier_bound() -> CaseWhen:
    """1 when every programme kind of the product is one KIND_TIER sinks, else 0."""
    sunk = list(KIND_TIER)
    only_sunk = _terms_of(TermField.PROGRAMME_KIND, value__in=sunk) & ~Exists(
        ProductTerm.objects.filter(product=OuterRef("pk"), field=TermField.PROGRAMME_KIND).exclude(
            value__in=sunk
        )
    )
    return CaseWhen(When(only_sunk, then=Value(1)), default=Value(0))


def _says(said: dict[str, list[int]], slugs: Iterable[str], among: frozenset[int]) -> Q:
    """The product's text has one of the words of `slugs` (`said`: see `_text_words`)."""
    return _ids_q(sorted({pk for s in slugs for pk in said.get(s, ())}), among)


def _ids_q(ids: list[int], among: frozenset[int] = frozenset()) -> Q:
    """The product is one of `ids`: on PostgreSQL one array (a hashed lookup), elsewhere an IN
    list. Where `ids` are most of `among` (the published products), the shorter list of the others
    is sent instead: a product outside `among` (published since) then counts as one of `ids`,
    which only loosens a bound. Ids outside `among` are left out (the query reads only those)."""
    if among:
        ids = sorted(among.intersection(ids))
    if among and len(ids) > len(among) // 2:
        return ~_ids_q(sorted(among.difference(ids)))
    if connection.vendor != "postgresql":
        return Q(pk__in=ids)
    column = f'"{Product._meta.db_table}"."{Product._meta.pk.column}"'
    return Q(RawSQL(f"{column} = ANY(%s::bigint[])", (ids,), output_field=BooleanField()))


# Which products' texts say which words, per catalogue version and vocabularies: a regular
# expression per product and request costs about 0.1 s per vocabulary at 20,000 products (a
# million cases); read once, it is a set lookup.
TEXT_WORDS_SECONDS = 3600


def _text_words(version: str | None) -> dict[str, dict[str, list[int]]]:
    """Per vocabulary (collateral, labels, size) and word, the published products whose text (as
    the scorer reads it, `_text`) has it: the scorer's `_found`, run once per catalogue version;
    under "" every published product."""
    vocabularies = {"collateral": COLLATERAL_WORDS, "labels": LABEL_WORDS, "size": SIZE_WORDS}
    words = hashlib.sha256(repr(sorted((k, sorted(v.items())) for k, v in vocabularies.items())).encode())
    key = f"match-text-words:{version}:{words.hexdigest()[:32]}" if version else ""

    def read() -> dict[str, dict[str, list[int]]]:
        found: dict[str, dict[str, list[int]]] = {name: {} for name in vocabularies}
        columns = ("pk", "name", "target_clients", "collateral", "description", "category__name")
        found[""] = {"": []}  # every published product: see `_ids_q`
        rows = Product.objects.published().order_by().values_list(*columns)
        for pk, *parts in rows.iterator(chunk_size=5000):
            found[""][""].append(pk)
            text = " ".join(parts)
            for name, table in vocabularies.items():
                for slug in _found(table, table, text):
                    found[name].setdefault(slug, []).append(pk)
        return found

    return _kept(key, read, TEXT_WORDS_SECONDS)


def _place_evidence(p: Profile) -> dict[str, Exists]:
    """The case evidence the region's bound reads (cases in the client's province and city)."""
    every = _evidence_annotations(p)
    return {k: every[k] for k in ("ev_in_province", "ev_in_city") if k in every}


def _bounded(
    p: Profile, need_ids: set[int], version: str | None = None, *, stated_only: bool = False
) -> tuple[QuerySet, dict[str, Q]]:
    """Published products with the exclusion flags and the optimistic key annotated (`version`:
    the catalogue's, under which the words of products' texts are kept); with `stated_only`, only
    the products that are not plain (`_plain_keys` bounds those)."""
    ex_notes, excluded = _exclusions(p)
    said = _text_words(version)
    named = _named(p.need, version) if p.need else Q()
    among = frozenset(said[""][""])
    if stated_only:
        among = among.difference(_plain_products(version).name)
    spans = _case_spans(version)
    score_notes, parts, plain_parts = _bound_score(p, need_ids, said, spans, named, among)
    fails, plain_fails = _bound_fails(p)
    place = _place_evidence(p)
    if stated_only:
        # The cases in the client's province and city as the kept sets say, for these few rows:
        # each EXISTS built its own hash of the province's cases (32,000 rows: ~2 ms apiece).
        place = {
            f"ev_in_{field}": ExpressionWrapper(
                _ids_q(list(_ids_with_cases_in(field, region, version)), among), output_field=BooleanField()
            )
            for field, region in (("province", p.province), ("city", p.city))
            if region is not None
        }
    # With `stated_only` no row is plain: the plain branches (two NOT IN each) are left out.
    unless_plain = (lambda plain, other, output: other) if stated_only else _unless_plain
    qs = (
        Product.objects.published()
        .annotate(**place, **ex_notes, **score_notes)
        .annotate(
            opt_fails=unless_plain(
                _sum(plain_fails, IntegerField()), _sum(fails + plain_fails, IntegerField()), IntegerField()
            ),
            opt_tier=unless_plain(Value(0), _tier_bound(), IntegerField()),
            opt_score=unless_plain(_sum(plain_parts, FloatField()), _sum(parts, FloatField()), FloatField()),
            # The kind's part of the table: `Match.sort_key`'s tie-break at equal scores.
            opt_kind=unless_plain(_weight(0.0), _programme_bound(), FloatField()),
        )
        .annotate(opt_rank=Round("opt_score", 2))
    )
    if stated_only:
        # The few ids, not the definition (two NOT IN over a scan of every product, ~4 ms).
        qs = qs.filter(pk__in=sorted(among))
    if excluded:
        # A plain product states nothing, so no stated term excludes it (a category still does).
        stated = [cond for name, cond in excluded.items() if name != "category"]
        whens = [When(excluded["category"], then=True)] if "category" in excluded else []
        if stated:
            whens += [] if stated_only else [When(_plain(), then=False)]
            whens.append(When(reduce(operator.or_, stated), then=True))
        qs = qs.annotate(opt_excluded=CaseWhen(*whens, default=False))
    return qs, excluded


def _unless_plain(plain: Expression, other: Expression, output: Field) -> CaseWhen:
    return CaseWhen(When(_plain(), then=plain), default=other, output_field=output)


def _sum(terms: list, output: Field) -> Expression:
    if not terms:
        return Value(0, output_field=output)
    return Num(reduce(operator.add, terms), output_field=output)


def match(
    p: Profile, limit: int = 10, *, prefilter: bool = True, version: str | None = None
) -> tuple[list[Match], Counter]:
    """The ranked matches (best first, at most `limit`) and, per hard criterion, how many products
    it excluded. An empty profile ranks nothing. With `prefilter` (always, but in the test that
    proves it changes nothing) only the products SQL bounds as possibly best are scored.
    `version`: the catalogue's (catalogue.versioning), when the caller has read it already."""
    if p.is_empty():
        return [], Counter()
    if p.category:
        p.category_ids = set(Category.objects.subtree(p.category).values_list("pk", flat=True))
    if prefilter:
        version = version or catalogue_version()
    need = _need_hits(p.need, (version or catalogue_version()) if p.need else None)
    if prefilter:
        top, excluded = _prefiltered(p, need, limit, version)
    else:
        top, excluded = _score_all(p, _products(p), need)
    top = top[:limit]
    _attach_cases(p, top)
    _attach_policies(p, top, version=version)
    return top, excluded


def _score_all(p: Profile, products: Iterable[Product], need: dict[int, int]) -> tuple[list[Match], Counter]:
    """Every product scored in Python, the excluded left out (and counted), the rest in order."""
    scored, excluded = [], Counter()
    for product in products:
        m = score_product(p, product, case_evidence(product), need_hit=product.pk in need)
        if m.excluded_by:
            excluded.update(m.excluded_by)
            continue
        scored.append(m)
    scored.sort(key=Match.sort_key)
    return scored, excluded


def _prefiltered(
    p: Profile, need: dict[int, int], limit: int, version: str | None
) -> tuple[list[Match], Counter]:
    """Every product's optimistic key in order (SQL bounds the products with stated terms or
    themes, Python the plain rest), scored in Python a batch at a time until no product left
    unscored can enter the first `limit`: the page scoring everything gives."""
    qs, excluded = _bounded(p, set(need), version, stated_only=True)
    stated, counts = _ranked_keys(qs, excluded)
    bounds, out_of_category = _plain_bounds(p, set(need), version)
    if out_of_category:
        counts["category"] += out_of_category
    plain = _plain_keys(bounds, _plain_products(version).name)
    keys = heapq.merge(sorted(stated, key=_Key.best), plain, key=_Key.best)
    scored: dict[int, Match | None] = {}  # None: excluded after all (never: test_match_prefilter)
    while True:
        ranked = sorted((m for m in scored.values() if m), key=Match.sort_key)
        if len(ranked) < limit:
            todo = list(islice(keys, max(CANDIDATES, limit)))
        else:
            # The keys come in order: the first not ahead of the `limit`-th result ends them
            # (the results only get better, so it would never be ahead later either).
            last = ranked[limit - 1].sort_key()
            todo = list(takewhile(lambda k, last=last: k.best() < last, keys))
        if not todo:
            return ranked, counts
        rows = Product.objects.filter(pk__in=[k.pk for k in todo]).annotate(**_evidence_annotations(p))
        batch, _ = _score_all(p, _for_scoring(rows), need)
        scored.update({k.pk: None for k in todo} | {m.product.pk: m for m in batch})


@dataclass(frozen=True)
class _PlainProducts:
    """The published products with no stated term and no theme (`_plain`): most of a large
    catalogue. Their bound depends only on which sets of products they are in (cases in a place,
    words of their text, spans of their cases, the need), so Python adds it up per request from
    sets kept per catalogue version instead of SQL evaluating it row by row."""

    name: dict[int, str]
    category: dict[int, int]
    by_institution: dict[int, list[int]]


PLAIN_SECONDS = 3600


def _plain_products(version: str | None) -> _PlainProducts:
    """The plain products' names, categories and institutions, kept per catalogue version."""

    def read() -> _PlainProducts:
        rows = Product.objects.published().filter(_plain()).order_by()
        name: dict[int, str] = {}
        category: dict[int, int] = {}
        by_institution: dict[int, list[int]] = {}
        for pk, n, c, i in rows.values_list("pk", "name", "category_id", "institution_id").iterator(5000):
            name[pk], category[pk] = n, c
            if i is not None:
                by_institution.setdefault(i, []).append(pk)
        return _PlainProducts(name, category, by_institution)

    return _kept(f"match-plain:{version}" if version else "", read, PLAIN_SECONDS)


def _ids_with_cases_in(field: str, region: Region, version: str | None) -> array[int]:
    """The ids of the products with a published case in `region` (`field`: province or city),
    ascending, kept per catalogue version: the evidence `_region_bound` reads as EXISTS, for the
    plain products. An array, not a set: at a million cases a province has cases of some 18,000
    products, 1 MB of every worker's memory as a frozenset, 140 kB as an array."""

    def read() -> array[int]:
        cases = Case.objects.published().filter(**{field: region}).order_by()
        return array("q", sorted(cases.values_list("product_id", flat=True).distinct()))

    key = f"match-cases-in:{version}:{field}:{region.pk}" if version else ""
    return _kept(key, read, PLAIN_SECONDS)


def _with_cases_in(field: str, region: Region, version: str | None) -> frozenset[int]:
    """`_ids_with_cases_in` as a set, for this request's lookups (~0.4 ms for a province)."""
    return frozenset(_ids_with_cases_in(field, region, version))


def _plain_bounds(
    p: Profile, need_ids: set[int], version: str | None
) -> tuple[dict[int, tuple[int, float]], int]:
    """Per plain product not excluded, (fails at least, score at most) as the plain branch of
    `_bounded` computes them (`_region_bound(stated=False)`, the text's, cases' and need's parts,
    the category's weight, a service that lends nothing), and how many the category excludes."""
    plain = _plain_products(version)
    score = dict.fromkeys(plain.name, 0.0)

    def add(ids: Iterable[int], weight: float) -> None:
        for pk in ids:
            if pk in score:
                score[pk] += weight

    if p.province:
        _add_plain_region(p, plain, version, add)
    said = _text_words(version)
    for name, wanted in (
        ("collateral", p.collateral),
        ("labels", p.labels),
        ("size", [p.size] if p.size else []),
    ):
        if wanted:
            add({pk for slug in wanted for pk in said[name].get(slug, ())}, BY_NAME[name].part("text"))
    spans = _case_spans(version)
    for name, value in (("amount", p.amount), ("term", p.term_months)):
        if value is not None:
            add(_spanning(spans[name], value), BY_NAME[name].part("case"))
    if p.category:
        add(score, WEIGHTS["category"])
    if p.need:
        _add_plain_need(p, plain, need_ids, score, version)
    return _plain_fails(p, plain, score)


def _add_plain_region(
    p: Profile, plain: _PlainProducts, version: str | None, add: Callable[[Iterable[int], float], None]
) -> None:
    """The region's parts of the plain products' bound (`_region_bound(stated=False)`)."""
    region = BY_NAME["region"]
    national = region.part("national")
    add(plain.name, national)
    in_province = _with_cases_in("province", p.province, version)
    in_city = _with_cases_in("city", p.city, version) if p.city else frozenset()
    inst = region.part("institution") + (region.part("institution-city") if p.city else 0.0)
    for i in Institution.objects.filter(province=p.province).values_list("pk", flat=True):
        add((pk for pk in plain.by_institution.get(i, ()) if pk not in in_province), inst - national)
    add(in_province, region.part("case") - national)
    add(in_province & in_city, region.part("city"))


def _add_plain_need(
    p: Profile, plain: _PlainProducts, need_ids: set[int], score: dict[int, float], version: str | None
) -> None:
    """The need's part: whole where the product's name is the need, else the text's part."""
    need = BY_NAME["need"]
    named = _cores_named(p.need, version)
    phrases = p.need[:MAX_NEED_PHRASES]
    for pk in need_ids:
        if pk in score:
            by_name = pk in named or any(ph in plain.name[pk] for ph in phrases)
            score[pk] += need.weight if by_name else need.weight * need.parts["text"]


def _plain_fails(
    p: Profile, plain: _PlainProducts, score: dict[int, float]
) -> tuple[dict[int, tuple[int, float]], int]:
    """(fails at least, score) per plain product the category leaves in, and how many it leaves
    out; a service that lends nothing fails a client asking for money."""
    services: set[int] = set()
    if p.financing:
        services = set(Category.objects.filter(slug__in=NOT_FINANCING).values_list("pk", flat=True))
    out = 0
    bounds: dict[int, tuple[int, float]] = {}
    for pk, value in score.items():
        category = plain.category[pk]
        if p.category and category not in p.category_ids:
            out += 1
            continue
        bounds[pk] = (1 if category in services else 0, value)
    return bounds, out


def _plain_keys(bounds: dict[int, tuple[int, float]], names: dict[int, str]) -> Iterator[_Key]:
    """The plain products' keys in `_Key.best` order: grouped by fails and score (few distinct
    values), each group sorted by name only when the ranking reaches it."""
    groups: dict[tuple[int, float], list[int]] = {}
    for pk, (fails, score) in bounds.items():
        groups.setdefault((fails, round(score, 2)), []).append(pk)
    for fails, score in sorted(groups, key=lambda g: (g[0], -g[1])):
        for pk in sorted(groups[fails, score], key=lambda pk: (names[pk], pk)):
            yield _Key(pk, names[pk], fails, 0, score, 0.0)


@dataclass(frozen=True)
class _Key:
    """A product's optimistic bounds (the score rounded to cents as scores are: every weight and
    part of the table is whole cents, so SQL's rounding and Python's agree)."""

    pk: int
    name: str
    fails: int
    tier: int
    score: float
    kind: float

    def best(self) -> tuple:
        """The best `Match.sort_key` the product can have; the keys are scored in its order."""
        return (self.fails, self.tier, -self.score, -self.kind, self.name, self.pk)


def _ranked_keys(qs: QuerySet, excluded: dict[str, Q]) -> tuple[list[_Key], Counter]:
    """The products of `qs` (`_bounded(stated_only=True)`: none plain) not excluded, with their
    optimistic keys, and per hard criterion how many of them its stated terms exclude (window
    counts over every row, so one query)."""
    counts = {
        f"n_{name}": Window(Count(CaseWhen(When(cond, then=1), default=None)))
        for name, cond in excluded.items()
    }
    order = ["opt_excluded"] if excluded else []
    cols = ["pk", "name", "opt_fails", "opt_tier", "opt_rank", "opt_kind", *order, *counts]
    values = list(qs.annotate(**counts).order_by().values_list(*cols))
    first = values[0][len(cols) - len(counts) :] if values else [0] * len(counts)
    n = Counter({name: v for name, v in zip(excluded, first, strict=True) if v})
    keys = [
        _Key(pk, name, fails, tier, float(rank), float(kind))
        for pk, name, fails, tier, rank, kind, *rest in values
        if not (excluded and rest[0])
    ]
    return keys, n


def _attach_cases(p: Profile, matches: list[Match], per: int = 3) -> None:
    """Each result's peer cases (products.selectors.peer_cases): the client's province first, the
    product's own bank included, since a manager wants the deals done nearest the client."""
    peers = peer_cases(
        [m.product for m in matches],
        prefer_province=p.province,
        include_own_bank=True,
        per=per,
        with_sources=False,
    )
    for m in matches:
        m.cases = peers.get(m.product.pk, [])


# Policy topics that speak to a product's themes (products carry themes, notices topics too).
THEME_TOPICS = {
    "tech-finance": {"sci-tech-innovation", "intellectual-property"},
    "green-finance": {"green-low-carbon"},
    "inclusive-finance": {"sme-private-economy", "rural-revitalization"},
    "digital-finance": {"digital-economy"},
    "pension-finance": {"consumption"},
}


def _topics_of(themes: Iterable[str]) -> set[str]:
    return set().union(*(THEME_TOPICS.get(t, set()) for t in themes))


def _covers(policy: Policy, p: Profile) -> bool:
    """The notice's region covers the client: national, the client's province, or its city."""
    if policy.province_id is None:
        return True
    if p.province is None or policy.province_id != p.province.pk:
        return False
    return policy.city_id is None or (p.city is not None and policy.city_id == p.city.pk)


def _policy_keys(product: Product) -> set[str]:
    """The notices the product's support terms name, by key."""
    return {k for t in _terms(product, TermField.SUPPORT) if (k := t.detail.get("policy"))}


# The published notices are few (about 130) and change with the catalogue's version: kept per
# version with what `_applies` meets, a request reads none of them (six queries and their ORM
# work were 20-40 ms of a request at a million cases).
POLICIES_SECONDS = 3600


def _published_policies(version: str | None) -> list[tuple[Policy, _Reach]]:
    """Every published notice, newest first, with its source documents and what it is filed
    under, kept per catalogue version."""

    def read() -> list[tuple[Policy, _Reach]]:
        policies = (
            Policy.objects.published()
            .order_by(F("issued_date").desc(nulls_last=True), "key")
            .prefetch_related(
                "themes",
                "topics",
                Prefetch("products", queryset=Product.objects.only("id")),
                Prefetch("categories", queryset=Category.objects.only("id")),
                Prefetch("sources", queryset=PolicySource.objects.select_related("document")),
            )
        )
        return [(policy, _policy_reach(policy)) for policy in policies]

    return _kept(f"match-policies:{version}" if version else "", read, POLICIES_SECONDS)


@dataclass(frozen=True)
class _Reach:
    """What a notice or a product is filed under, as the sets `_applies` meets."""

    keys: frozenset
    products: frozenset
    themes: frozenset
    topics: frozenset
    categories: frozenset


def _policy_reach(policy: Policy) -> _Reach:
    return _Reach(
        frozenset({policy.key}),
        frozenset(x.pk for x in policy.products.all()),
        frozenset(t.slug for t in policy.themes.all()),
        frozenset(t.slug for t in policy.topics.all()),
        frozenset(c.pk for c in policy.categories.all()),
    )


def _product_reach(product: Product) -> _Reach:
    themes = frozenset(t.slug for t in product.themes.all())
    return _Reach(
        frozenset(_policy_keys(product)),
        frozenset({product.pk}),
        themes,
        frozenset(_topics_of(themes)),
        frozenset({product.category_id}),
    )


def _applies(policy: _Reach, product: _Reach) -> bool:
    """A notice applies to a product that it is linked to or that names it, or that shares a theme,
    a topic of its themes or its category."""
    return bool(
        policy.keys & product.keys
        or policy.products & product.products
        or policy.themes & product.themes
        or policy.topics & product.topics
        or policy.categories & product.categories
    )


def _attach_policies(p: Profile, matches: list[Match], per: int = 5, *, version: str | None = None) -> None:
    """The published notices that apply to each result, newest first: notices whose region covers
    the client's place (national, or the client's province, or its city) and that are linked to the
    product, name it in its support terms, share a theme or its category, or file under a topic of
    its themes. The notices as kept for the catalogue's `version` (`_published_policies`)."""
    if not matches:
        return
    pols = [(pol, reach) for pol, reach in _published_policies(version) if _covers(pol, p)]
    for m in matches:
        mine = _product_reach(m.product)
        m.policies = [pol for pol, reach in pols if _applies(reach, mine)][:per]


def most_excluding(excluded: Counter) -> str | None:
    return excluded.most_common(1)[0][0] if excluded else None


# ---------------------------------------------------------------------------------------------
# Reading a client described in one sentence ("杭州一家做工业软件的专精特新小企业，想用知识产权质押
# 贷500万，一年期") into the profile's fields. The vocabularies are the ones above and the Region
# table; what no vocabulary reads is the client's need, matched against products' texts.

# GB/T 4754-2017 sections by the words a manager uses for a firm's trade; the longest word found
# wins ("工业软件" is software, not manufacturing).
INDUSTRY_WORDS = {
    "A": r"农业|林业|畜牧|养殖|养猪|养牛|养鸡|种植|种粮|种菜|果农|渔业|农场|果园|茶园|合作社",
    "B": r"采矿|矿山|煤矿|矿业",
    "C": r"制造|工厂|加工|代工|零部件|配件|机械|化工|纺织|印染|服装|制鞋|鞋厂|家具|陶瓷|五金|塑料|橡胶|"
    r"玻璃|食品厂|糖厂|制糖|铝材|钢材|钢铁|冶炼|有色金属|模具|装备|材料|制药|生物医药|造纸|汽车|"
    r"电子元器件|元器件|芯片|半导体|电池|生产|厂",
    "D": r"光伏|发电|电力|热力|燃气|供水|新能源电站|储能电站",
    "E": r"建筑|施工|装修|工程公司",
    "F": r"批发|零售|商贸|贸易|外贸|进出口|超市|门店|电商|卖[^，。,]{1,4}的|商户",
    "G": r"物流|运输|仓储|快递|货运|航运|航空公司|港口",
    "H": r"餐饮|饭店|餐馆|餐厅|酒店|宾馆|民宿|住宿",
    "I": r"工业软件|软件|信息技术|互联网|数据服务|数据平台|大数据|云计算|人工智能|信息服务",
    # A firm in finance, not a firm asking for finance ("想做转型金融").
    "J": r"金融机构|金融公司|保险公司|小贷公司|典当",
    "K": r"房地产|物业",
    "L": r"租赁|商务服务|咨询|广告|人力资源",
    "M": r"科研|研发|技术服务|检测|设计院|实验室",
    "N": r"环保|污水|水利|环境治理|园林|景区|公园",
    "O": r"修理|维修|家政|美容|洗衣",
    "P": r"教育|培训|学校",
    "Q": r"医疗|医院|诊所|养老院|养老机构|卫生",
    "R": r"文化|体育|娱乐|影视|演艺|旅游|出版",
    "S": r"社会组织|公共管理",
    "T": r"国际组织",
}
SIZE_READ = {
    "micro": r"微型|微企|小微|个体",
    "small": r"小型|小企业|中小企业|小公司|小厂|小作坊",
    "medium": r"中型|中等规模",
}
# Stricter than COLLATERAL_WORDS (which reads products' texts): a client's sentence says "没有抵押"
# or "数据服务" without offering real estate or data.
COLLATERAL_READ = {
    "pure-credit": r"纯信用|信用贷|无抵押|没有抵押物?|免抵押|无需抵押|不要抵押|没有房产|无担保|没有担保",
    "intellectual-property": r"知识产权|专利|商标|著作权",
    "data-assets": r"数据资产|数据知识产权|数据产品|登记的数据|数据(?=.{0,8}(?:质押|登记|挂牌|入表))",
    "receivables": r"应收账款|应收|保理|订单",
    "bills": r"票据|汇票|贴现|承兑",
    "real-estate": r"房产|不动产|房屋|厂房",
    "equipment": r"设备抵押|机器设备",
    "carbon-rights": r"碳排放权|碳配额|碳汇|排污权|碳资产",
    "guarantee": r"担保公司|保证人",
    "inventory": r"仓单|存货|库存",
    "land-forest-rights": r"林权|土地经营权|承包经营权",
    "equity": r"股权",
    "charging-rights": r"收费权|收益权|门票",
    "livestock": r"活体|生猪|牲畜|畜禽|牛羊",
    "bonds": r"债券",
}
THEME_READ = {
    "green-finance": r"绿色|光伏|新能源|环保|节能|低碳|减排|排污|碳",
    "tech-finance": r"科技|专精特新|知识产权|专利|高新|软件|研发|科创|小巨人",
    "inclusive-finance": r"小微|个体|普惠|农户|三农|民宿|小企业",
    "digital-finance": r"数据|数字",
    "pension-finance": r"养老",
}
# Stricter than LABEL_WORDS (which reads products' texts): in a client's sentence "跨境融资", "出口退税"
# or "绿色贷款" is what the client asks for, not what the firm is; a label the firm does not have
# would rule out products stating other labels.
LABEL_READ = {
    **LABEL_WORDS,
    # Only an exporter asks about 出口 (退税, 信用证, 信保); 跨境 or 进口 alone may be any firm's need.
    "foreign-trade": r"外贸|进出口|出口|外向型|进口(?:企业|公司|商|型|业务)|做进口|从\w{1,6}进口",
    "green-enterprise": r"绿色(?:企业|工厂|园区|产业|制造)|(?:环保|节能|低碳|新能源)(?:转型)?(?:企业|公司|科技|工厂)",
}
# Words that carry no need of their own ("想用…贷500万" says nothing beyond what was read).
FILLER = re.compile(
    r"一家|一位|一个|一户|我们|客户|公司|企业|主体|做|的|想要|想|要|用(?:于|来|作|以)|(?<![利使应运采])用(?![途户])|借款?|贷款?|融资|申请|需要|"
    r"希望|左右|大约|大概|手里|手上|可押|可以|(?<![节功动智赋产])能(?![源耗力效])|有|在|是|和|与|及|给|了|把|来|去|一笔|(?<!流动)资金|元|期|"
    r"质押|抵押|办理?|找|尽快|经营|业主|家|位|个|万|年|月|这类|这种|那种|急需|收到|已经|已|目前|现在|"
    r"准备|打算|主要|看看|能否|是否|请问|银行|评上|拿到|获得|一下|帮忙|大量|很多|较多|一些|开通|开立|"
    # Where the firm sits is the place, already read: a development zone is no need.
    r"(?:工业|产业|科技)?园区|高新区|经开区|开发区|新区"
)
NEGATION = re.compile(r"(?:没有|无|不要|不用|免)$")
# Words of a client asking for money (not for an account, a payment or a platform).
FINANCING_READ = re.compile(r"贷|借|融资|贴现|保理|授信|押")
NUMBER = r"\d+(?:\.\d+)?|[零一二两三四五六七八九十百千]+"
AMOUNT_RE = re.compile(rf"({NUMBER})\s*(亿|千万|百万|万)元?|(\d{{5,}})\s*元")
TERM_RE = re.compile(rf"(半|{NUMBER})\s*(个月|年)期?")
AMOUNT_UNITS = {"亿": 10**8, "千万": 10**7, "百万": 10**6, "万": 10**4}
MAX_READ_LENGTH = 300
MAX_AMOUNT = 10**13  # as the form's amount field


def _number(text: str) -> Decimal | None:
    """Digits or a Chinese numeral up to the thousands (五百, 两千五百, 十二)."""
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return Decimal(text)
    n = cn_number(text)
    return None if n is None else Decimal(n)


@dataclass
class Reading(ClientFields):
    """What a sentence said, field by field, and what it said that no vocabulary reads."""

    text: str = ""
    unread: list[str] = field(default_factory=list)


class _Sentence:
    """The sentence with the spans already read blanked out, so a word is read once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.free = list(text)

    def find(self, pattern: str) -> list[re.Match]:
        return [m for m in re.finditer(pattern, "".join(self.free)) if m.group(0)]

    def take(self, m: re.Match) -> None:
        for i in range(m.start(), m.end()):
            self.free[i] = " "

    def rest(self) -> str:
        return "".join(self.free)


PlaceNames = tuple[dict[str, list[Region]], dict[str, Region], dict[str, list[Region]]]
# The place names as last read, by the regions' stamp (count, latest change): building them reads
# 3,000 regions into models, 20–100 ms a sentence, while the regions hardly ever change.
_PLACES: dict[tuple, PlaceNames] = {}


def _place_names() -> PlaceNames:
    """`_read_place_names`, kept in the process while the regions' stamp is the same: one small
    query a sentence instead of every region."""
    stamp = tuple(Region.objects.aggregate(n=Count("pk"), last=Max("modified")).values())
    kept = _PLACES.get(stamp)
    if kept is None:
        kept = _read_place_names()
        _PLACES.clear()
        _PLACES[stamp] = kept
    return kept


def _read_place_names() -> PlaceNames:
    """Every province and city by full and short name, districts by full name (a district's short
    name is too often an ordinary word, so those are kept apart and read only where a place is
    expected, see DISTRICT_SHORT_CONTEXT), and every region by code. One query."""
    names: dict[str, list[Region]] = {}
    shorts: dict[str, list[Region]] = {}
    by_code: dict[str, Region] = {}
    for r in Region.objects.only("code", "name", "short_name", "level", "parent_id"):
        by_code[r.code] = r
        keys = {r.name} if r.level == "district" else {r.name, r.short_name, AUTONOMOUS.sub("", r.name)}
        for k in keys:
            if k and len(k) >= 2:
                names.setdefault(k, []).append(r)
        if r.level == "district" and r.short_name and len(r.short_name) >= 2 and r.short_name != r.name:
            shorts.setdefault(r.short_name, []).append(r)
    return names, by_code, shorts


LEVELS = ("province", "city", "district")
# An autonomous prefecture is called by its name without the peoples (黔东南, 西双版纳, 伊犁), which
# the stored short name does not always give.
AUTONOMOUS = re.compile(
    r"(?:(?:苗|侗|布依|土家|藏|羌|彝|哈尼|壮|傣|景颇|傈僳|白|回|朝鲜|蒙古|哈萨克|柯尔克孜)族?)+自治州$"
)
# A county's or district's short name (余姚, 邵武, 顺义) is read as a place only where a manager
# puts one: before "一家/一个/某/的…" or a firm's own word ("余姚一家模具厂", "邵武的企业").
PLACE_LEVEL_WORDS = set("省市州县区盟旗")
DISTRICT_SHORT_CONTEXT = re.compile(r"一[家个位户间座]|某|的|这|那|本地|当地|地区|有家|有个")


def _place_at(names: dict[str, list[Region]], text: str, i: int, longest: int) -> tuple[int, Region | None]:
    """The longest place name starting at `i`: (its length, the region) or (0, None); a name shared
    by several places reads as the highest-level one, or as none when they are of one level."""
    for n in range(min(longest, len(text) - i), 1, -1):
        hits = names.get(text[i : i + n])
        if hits:
            top = sorted(hits, key=lambda r: LEVELS.index(r.level))
            return n, top[0] if len(top) == 1 or top[0].level != top[1].level else None
    return 0, None


def _read_places(s: _Sentence, reading: Reading) -> None:
    """The longest place names first; a city implies its province, a district its city (or, in
    the four municipalities, its province)."""
    names, by_code, shorts = _place_names()
    longest = max(map(len, names), default=0)
    longest_short = max(map(len, shorts), default=0)
    text = s.rest()
    i, found = 0, []
    while i < len(text):
        n, r = _place_at(names, text, i, longest)
        if not n:
            n, r = _place_at(shorts, text, i, longest_short)
            if n and not DISTRICT_SHORT_CONTEXT.match(text, i + n):
                n, r = 0, None
        if r is not None:
            found.append(r)
            # "黔东南州", "鄂尔多斯市": the short name read, its level word goes with it.
            n += 1 if text[i + n : i + n + 1] in PLACE_LEVEL_WORDS else 0
            for j in range(i, i + n):
                s.free[j] = " "
        i += max(n, 1)
    for r in found:
        up = by_code.get(r.parent_id) if r.level == "district" else None
        if up is not None and up.level == "province":
            r, up = up, None  # a district of Beijing, Tianjin, Shanghai or Chongqing
        city = r if r.level == "city" else up
        if city is not None and reading.city is None:
            reading.city = city
        elif r.level == "province" and reading.province is None:
            reading.province = r
    if reading.city is not None:
        reading.province = by_code.get(reading.city.parent_id)


def _read_words(s: _Sentence, words: dict[str, str], allowed: set[str] | None = None) -> list[str]:
    out = []
    for slug, pattern in words.items():
        if allowed is not None and slug not in allowed:
            continue
        ms = s.find(pattern)
        if ms:
            out.append(slug)
            for m in ms:
                s.take(m)
    return out


def _read_amount(s: _Sentence, reading: Reading) -> None:
    for m in s.find(AMOUNT_RE.pattern):
        number = _number(m.group(1)) if m.group(1) else Decimal(m.group(3))
        value = None if number is None else number * AMOUNT_UNITS.get(m.group(2), 1)
        # In cents, and within what the amount field accepts: the read amount is used unvalidated.
        if value is not None and 0 < value <= MAX_AMOUNT and reading.amount is None:
            reading.amount = value.quantize(Decimal("0.01"))
        s.take(m)


def _read_term(s: _Sentence, reading: Reading) -> None:
    for m in s.find(TERM_RE.pattern):
        n = Decimal("0.5") if m.group(1) == "半" else _number(m.group(1))
        if m.group(2) == "年" and (n is None or n > 30):
            continue  # 2024年 is a date, not a term
        months = int(n * 12) if m.group(2) == "年" else int(n or 0)
        if 0 < months <= 600 and reading.term_months is None:
            reading.term_months = months
        s.take(m)


def _read_collateral(s: _Sentence, reading: Reading, collateral: set[str]) -> None:
    """Collateral the sentence denies ("没有房产可押") is no collateral; having none is pure credit."""
    for slug, pattern in COLLATERAL_READ.items():
        if slug not in collateral:
            continue
        for m in s.find(pattern):
            denied = slug != "pure-credit" and NEGATION.search(s.rest()[max(m.start() - 2, 0) : m.start()])
            found = "pure-credit" if denied else slug
            if found in collateral and found not in reading.collateral:
                reading.collateral.append(found)
            s.take(m)


def _read_size(s: _Sentence, reading: Reading) -> None:
    """The first size word written wins; every size word is then taken."""
    sizes = [(m.start(), slug) for slug, p in SIZE_READ.items() for m in s.find(p)]
    if not sizes:
        return
    reading.size = min(sizes)[1]
    for p in SIZE_READ.values():
        for m in s.find(p):
            s.take(m)


def _read_industry(s: _Sentence, reading: Reading) -> None:
    """The longest trade word wins (the earliest among equals)."""
    hits = [(len(m.group(0)), -m.start(), code, m) for code, p in INDUSTRY_WORDS.items() for m in s.find(p)]
    if hits:
        best = max(hits, key=lambda h: (h[0], h[1]))
        reading.industry = best[2]
        s.take(best[3])


def read_client(text: str, *, labels: set[str], collateral: set[str], themes: set[str]) -> Reading:
    """A sentence about a client read into a profile's fields with the catalogue's vocabularies
    (slugs outside the `labels`, `collateral` and `themes` given are not read). What remains once
    the words of the vocabularies and the filler are taken out is the client's need."""
    text = (text or "")[:MAX_READ_LENGTH]
    reading = Reading(text=text)
    s = _Sentence(text)
    _read_places(s, reading)
    _read_amount(s, reading)
    _read_term(s, reading)
    _read_collateral(s, reading, collateral)
    reading.labels = _read_words(s, LABEL_READ, labels)
    _read_size(s, reading)
    _read_industry(s, reading)
    reading.themes = [slug for slug, p in THEME_READ.items() if slug in themes and re.search(p, text)]
    rest = FILLER.sub(" ", s.rest())
    pieces = [p for p in re.split(r"[\s\W\d]+", rest) if len(p) >= 2]
    reading.unread = list(dict.fromkeys(pieces))
    reading.need = reading.unread[:MAX_NEED_PHRASES]
    reading.financing = bool(FINANCING_READ.search(text))
    return reading
