"""What a person would type to find a record: the indexed text of each kind, built in batches.

Weights: `name` is the record's own name or title (and for a case its product's name, for an
institution its short name and aliases); `tags` are the names of the things it belongs to
(institution with short name, aliases, parent and head office, so 建行 finds 中国建设银行上海市分行's
cases; places in Chinese, short and English; category and themes in Chinese and English); `body`
is descriptions, summaries and the verbatim excerpts (where the PDF's spacing survives).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import translation

from catalogue.fulltext.backends import Entry
from institutions.models import Institution, InstitutionAlias, InstitutionKind, Region
from policies.models import Policy, Topic
from products.models import Case, Category, Product, Theme

MODELS = {"product": Product, "case": Case, "policy": Policy, "institution": Institution}
MAX_RELATED = 20  # a product with cases in hundreds of places keeps its latest twenty


def kind_of(model) -> str:
    return model._meta.model_name


def _both_languages(label) -> list[str]:
    """A translatable label (kinds, levels) in English and in Chinese."""
    with translation.override("en"):
        en = str(label)
    with translation.override("zh-hans"):
        zh = str(label)
    return [zh, en] if zh != en else [en]


class Vocabulary:
    """Reference rows every document draws on, loaded once per batch (they are small)."""

    def __init__(self) -> None:
        self.regions = {
            r[0]: r[1:] for r in Region.objects.values_list("code", "name", "short_name", "name_en")
        }
        self.categories = {
            c.pk: c for c in Category.objects.only("id", "name", "name_en", "parent_id", "slug")
        }
        self.themes = {t.pk: (t.name, t.name_en) for t in Theme.objects.only("id", "name", "name_en")}
        self.topics = {t.pk: (t.name, t.name_en) for t in Topic.objects.only("id", "name", "name_en")}
        self.kind_labels = {k: _both_languages(label) for k, label in InstitutionKind.choices}
        self.level_labels = {k: _both_languages(label) for k, label in Policy.Level.choices}
        self._institutions: dict[int, dict] = {}

    def region(self, *codes: str | None) -> list[str]:
        out: list[str] = []
        for code in codes:
            if code and code in self.regions:
                for name in self.regions[code]:
                    if name and name not in out:
                        out.append(name)
        return out

    def category(self, category_id: int | None) -> list[str]:
        out: list[str] = []
        seen = set()
        while category_id and category_id in self.categories and category_id not in seen:
            seen.add(category_id)
            c = self.categories[category_id]
            out += [c.name, c.name_en]
            category_id = c.parent_id
        return out

    def load_institutions(self, ids: Iterable[int | None]) -> None:
        """Names, aliases, parent and head office of these institutions (two queries)."""
        wanted = {i for i in ids if i and i not in self._institutions}
        while wanted:
            rows = Institution.objects.filter(pk__in=wanted).values(
                "id",
                "name",
                "short_name",
                "name_en",
                "parent_id",
                "head_office_id",
                "kind",
                "province_id",
                "city_id",
            )
            aliases = defaultdict(list)
            for inst_id, alias in InstitutionAlias.objects.filter(institution_id__in=wanted).values_list(
                "institution_id", "name"
            ):
                aliases[inst_id].append(alias)
            for r in rows:
                r["own_names"] = [r["name"], r["short_name"], r["name_en"], *sorted(aliases[r["id"]])]
                self._institutions[r["id"]] = r
            wanted = {
                x
                for r in rows
                for x in (r["parent_id"], r["head_office_id"])
                if x and x not in self._institutions
            }

    def institution(self, inst_id: int | None) -> list[str]:
        """An institution's names, then its parent's and head office's (load_institutions first)."""
        out: list[str] = []
        node = self._institutions.get(inst_id) if inst_id else None
        if node is None:
            return out
        for r in (
            node,
            self._institutions.get(node["parent_id"]),
            self._institutions.get(node["head_office_id"]),
        ):
            if r:
                out += [n for n in r["own_names"] if n and n not in out]
        return out

    def institution_row(self, inst_id: int) -> dict | None:
        return self._institutions.get(inst_id)


def _excerpts(obj) -> list[str]:
    return [s.excerpt for s in obj.sources.all()]


def _unique(values: Iterable[str], limit: int = MAX_RELATED) -> list[str]:
    out: list[str] = []
    for v in values:
        if v and v not in out:
            out.append(v)
            if len(out) >= limit:
                break
    return out


def _entry(
    kind: str, object_id: int, sort_key: object, name: list[str], tags: list[str], body: list[str]
) -> Entry:
    """One record's index entry; its tags without repeats, at most six times MAX_RELATED."""
    tags = _unique(tags, limit=6 * MAX_RELATED)
    return Entry(kind=kind, object_id=object_id, sort_key=sort_key, name=name, tags=tags, body=body)


def _names(rows: Iterable[Any]) -> list[str]:
    """Both names of each vocabulary row (themes, topics)."""
    return [n for row in rows for n in (row.name, row.name_en)]


def product_entries(ids: Sequence[int], vocab: Vocabulary) -> list[Entry]:
    products = list(Product.objects.filter(pk__in=ids).prefetch_related("themes", "sources"))
    # Where and at which institutions a product was used: a product is "in" Zhangjiajie, or
    # "at" 建行, when one of its cases is (as the product list's own filters have it).
    places: dict[int, list[str]] = defaultdict(list)
    case_institutions: dict[int, list[int]] = defaultdict(list)
    for pid, inst, prov, city, district in (
        Case.objects.filter(product_id__in=ids)
        .order_by("product_id", "-date", "-id")
        .values_list("product_id", "institution_id", "province_id", "city_id", "district_id")
    ):
        if len(places[pid]) < MAX_RELATED:
            places[pid] += [c for c in (prov, city, district) if c and c not in places[pid]]
        if inst not in case_institutions[pid] and len(case_institutions[pid]) < MAX_RELATED:
            case_institutions[pid].append(inst)
    vocab.load_institutions(
        [p.institution_id for p in products] + [i for v in case_institutions.values() for i in v]
    )
    entries = []
    for p in products:
        inst = vocab.institution_row(p.institution_id) or {}
        tags = vocab.institution(p.institution_id)
        tags += vocab.region(inst.get("province_id"), inst.get("city_id"))
        tags += _filed_under(p, vocab)
        tags += vocab.region(*places[p.pk])
        tags += [n for i in case_institutions[p.pk] for n in vocab.institution(i)]
        body = [p.description, p.target_clients, p.collateral, *_excerpts(p)]
        entries.append(_entry("product", p.pk, p.modified, [p.name], tags, body))
    return entries


def _filed_under(product: Product, vocab: Vocabulary) -> list[str]:
    """The names of a product's category and themes (on its own entry and on its cases')."""
    return vocab.category(product.category_id) + _names(product.themes.all())


def case_entries(ids: Sequence[int], vocab: Vocabulary) -> list[Entry]:
    cases = list(
        Case.objects.filter(pk__in=ids)
        .select_related("product")
        .prefetch_related("product__themes", "sources")
    )
    vocab.load_institutions(c.institution_id for c in cases)
    entries = []
    for c in cases:
        p = c.product
        tags = vocab.institution(c.institution_id)
        tags += vocab.region(c.province_id, c.city_id, c.district_id)
        tags += _filed_under(p, vocab)
        tags += [c.milestone, c.client]
        entries.append(_entry("case", c.pk, c.date, [p.name], tags, [c.summary, *_excerpts(c)]))
    return entries


def policy_entries(ids: Sequence[int], vocab: Vocabulary) -> list[Entry]:
    policies = list(
        Policy.objects.filter(pk__in=ids).prefetch_related(
            "sources", "themes", "topics", "categories", "co_issuers", "products"
        )
    )
    vocab.load_institutions(
        [p.issuer_id for p in policies] + [i.pk for p in policies for i in p.co_issuers.all()]
    )
    entries = []
    for p in policies:
        tags = vocab.institution(p.issuer_id)
        for co in p.co_issuers.all():
            tags += vocab.institution(co.pk)
        tags += vocab.region(p.province_id, p.city_id, p.district_id)
        tags += vocab.level_labels.get(p.level, [])
        tags += _names(p.themes.all())
        tags += _names(p.topics.all())
        for c in p.categories.all():
            tags += vocab.category(c.pk)
        tags += [pr.name for pr in p.products.all()]
        body = [p.summary, *[str(m) for m in p.key_measures or []], *_excerpts(p)]
        entries.append(_entry("policy", p.pk, p.issued_date, [p.heading, p.document_title], tags, body))
    return entries


def institution_entries(ids: Sequence[int], vocab: Vocabulary) -> list[Entry]:
    vocab.load_institutions(ids)
    modified = dict(Institution.objects.filter(pk__in=ids).values_list("id", "modified"))
    entries = []
    for inst_id in ids:
        row = vocab.institution_row(inst_id)
        if row is None or inst_id not in modified:
            continue
        own = [n for n in row["own_names"] if n]
        tags = [n for n in vocab.institution(inst_id) if n not in own]
        tags += vocab.kind_labels.get(row["kind"], [])
        tags += vocab.region(row["province_id"], row["city_id"])
        entries.append(_entry("institution", inst_id, modified[inst_id], own, tags, []))
    return entries


BUILDERS = {
    "product": product_entries,
    "case": case_entries,
    "policy": policy_entries,
    "institution": institution_entries,
}


def build(kind: str, ids: Sequence[int], vocab: Vocabulary | None = None) -> list[Entry]:
    return BUILDERS[kind](list(ids), vocab or Vocabulary())
