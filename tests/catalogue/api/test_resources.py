"""Contract tests per resource: list and detail, fields and types, filters checked against
explicit factory records, `q`, `ordering` and the institution hierarchy."""

import datetime as dt
from decimal import Decimal

import pytest

from catalogue.models import Status
from catalogue.pinyin import pinyin_key
from institutions.models import Institution, Metric, Region
from policies.models import Policy, Topic
from products.models import Case, Category, Product, Theme
from tests.api_client import get, problem_fields
from tests.factories import (
    CaseFactory,
    CategoryFactory,
    InstitutionFactory,
    PolicyFactory,
    ProductFactory,
    RegionFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

# resource → (queryset of what the list shows, detail lookup, fields every item has)
RESOURCES = {
    "products": (
        lambda: Product.objects.published(),
        "pk",
        {
            "id",
            "key",
            "status",
            "name",
            "institution",
            "category",
            "themes",
            "sources",
            "created",
            "modified",
        },
    ),
    "cases": (
        lambda: Case.objects.published(),
        "pk",
        {
            "id",
            "key",
            "status",
            "date",
            "amount",
            "currency",
            "institution",
            "product",
            "province",
            "sources",
        },
    ),
    "policies": (
        lambda: Policy.objects.published(),
        "pk",
        {
            "id",
            "key",
            "status",
            "title",
            "document_title",
            "issuer",
            "level",
            "issued_date",
            "topics",
            "sources",
        },
    ),
    "metrics": (
        lambda: Metric.objects.published(),
        "pk",
        {"id", "key", "status", "institution", "indicator", "value", "unit", "as_of", "period", "sources"},
    ),
    "institutions": (
        lambda: Institution.objects.all(),
        "pk",
        {
            "id",
            "name",
            "short_name",
            "aliases",
            "kind",
            "level",
            "parent",
            "head_office",
            "created",
            "modified",
        },
    ),
    "regions": (lambda: Region.objects.all(), "code", {"code", "name", "name_en", "level", "parent"}),
    "categories": (lambda: Category.objects.all(), "slug", {"slug", "name", "name_en", "parent"}),
    "themes": (lambda: Theme.objects.all(), "slug", {"slug", "name", "name_en"}),
    "topics": (lambda: Topic.objects.all(), "slug", {"slug", "name", "name_en"}),
}


@pytest.mark.parametrize("name", RESOURCES)
def test_list_counts_what_is_published_and_detail_reads_one(api, name):
    queryset, lookup, fields = RESOURCES[name]
    body = get(api, f"/api/v1/{name}/?page_size=3").json()
    assert body["count"] == queryset().count() > 0
    assert set(body) == {"count", "next", "previous", "results"}
    first = body["results"][0]
    assert fields <= set(first), fields - set(first)
    key = first["id"] if lookup == "pk" else first[lookup]
    detail = get(api, f"/api/v1/{name}/{key}/").json()
    assert {k: detail[k] for k in fields} == {k: first[k] for k in fields}


@pytest.mark.parametrize("name", ["products", "cases", "policies", "metrics"])
def test_drafts_and_withdrawn_records_are_not_listed_nor_found(api, name):
    queryset, _, _ = RESOURCES[name]
    hidden, withdrawn = queryset()[:2]
    type(hidden).objects.filter(pk=hidden.pk).update(status=Status.DRAFT)
    type(withdrawn).objects.filter(pk=withdrawn.pk).update(status=Status.WITHDRAWN)
    ids = {r["id"] for r in get(api, f"/api/v1/{name}/?page_size=500").json()["results"]}
    assert hidden.pk not in ids and withdrawn.pk not in ids
    for record in (hidden, withdrawn):
        assert problem_fields(get(api, f"/api/v1/{name}/{record.pk}/", status=404)) == []


def test_filters_answer_with_the_records_made_for_them(api):
    """Expected rows are the factory records themselves, not a FilterSet's answer."""
    here, there = RegionFactory(), RegionFactory()
    green, other_theme = ThemeFactory(), ThemeFactory()
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)
    bank = InstitutionFactory(kind=Institution.Kind.RURAL_COMMERCIAL_BANK)
    a = ProductFactory(category=child, institution=bank, themes=[green])
    b = ProductFactory(category=parent, themes=[other_theme])
    small = CaseFactory(product=a, province=here, date=dt.date(2024, 4, 1), amount=Decimal(500))
    large = CaseFactory(product=a, province=here, date=dt.date(2024, 6, 1), amount=Decimal(2_000_000))
    usd = CaseFactory(product=b, province=there, date=dt.date(2024, 6, 2), amount=Decimal(10), currency="USD")

    def keys(name: str, query: str) -> set[str]:
        return {r["key"] for r in get(api, f"/api/v1/{name}/?{query}&page_size=500").json()["results"]}

    assert keys("cases", f"province={here.code}") == {small.key, large.key}
    assert keys("cases", f"category={parent.slug}") == {small.key, large.key, usd.key}
    assert keys("cases", f"category={parent.slug}&currency=USD") == {usd.key}
    assert keys("cases", f"province={here.code}&date_after=2024-05-01&amount_min=1000000") == {large.key}
    assert keys("products", f"category={child.slug}") == {a.key}
    assert keys("products", f"theme={green.slug}") == {a.key}
    assert keys("products", f"theme={green.slug}&theme={other_theme.slug}") == {a.key, b.key}
    listed = {
        r["id"]
        for r in get(api, "/api/v1/institutions/?kind=rural-commercial-bank&page_size=500").json()["results"]
    }
    assert bank.pk in listed and b.institution.pk not in listed
    p1 = PolicyFactory(level="provincial", issued_date=dt.date(2031, 1, 1))
    p2 = PolicyFactory(level="district", issued_date=dt.date(2031, 2, 1))
    assert keys("policies", "issued_after=2031-01-01") == {p1.key, p2.key}
    assert keys("policies", "issued_after=2031-01-01&level=district") == {p2.key}


@pytest.mark.parametrize(
    "name, query",
    [
        ("products", "q=数据"),
        ("cases", "q=湖南"),
        ("policies", "q=金融"),
        ("institutions", "q=工商银行"),
        ("regions", "q=湖南"),
        ("categories", "q=green"),
        ("themes", "q=绿色"),
        ("topics", "q=a"),
        ("metrics", "q=贷款"),
    ],
)
def test_q_search_on_every_list(api, name, query):
    everything = get(api, f"/api/v1/{name}/").json()["count"]
    found = get(api, f"/api/v1/{name}/?{query}").json()["count"]
    assert 0 < found <= everything


@pytest.mark.parametrize(
    "name, ordering, key",
    [
        ("cases", "amount", "amount"),
        ("cases", "-date", "date"),
        ("products", "name", "name"),
        ("policies", "-date", "issued_date"),
        ("institutions", "-name", "name"),
        ("regions", "-code", "code"),
        ("metrics", "as_of", "as_of"),
    ],
)
def test_ordering(api, name, ordering, key):
    rows = get(api, f"/api/v1/{name}/?ordering={ordering}&page_size=500").json()["results"]
    values = [r[key] for r in rows if r[key] is not None]
    if key == "amount":  # amounts sort within CNY first, other currencies after (never converted)
        values = [float(r[key]) for r in rows if r[key] is not None and r["currency"] == "CNY"]
    if key == "name":  # names sort by their pinyin (catalogue.pinyin)
        values = [pinyin_key(v) for v in values]
    assert values == sorted(values, reverse=ordering.startswith("-"))


@pytest.mark.parametrize("name", ["cases", "institutions", "regions", "categories"])
def test_unknown_ordering_is_a_400_about_ordering(api, name):
    assert problem_fields(get(api, f"/api/v1/{name}/?ordering=nonsense", status=400)) == ["ordering"]


def test_region_tree_and_category_tree(api):
    cities = get(api, "/api/v1/regions/?parent=430000&page_size=500").json()["results"]
    assert cities and all(c["parent"] == "430000" and c["level"] == "city" for c in cities)
    children = get(api, "/api/v1/categories/?parent=credit&page_size=500").json()["results"]
    assert {c["slug"] for c in children} >= {"tech-credit", "data-asset-pledge-loan"}
    top = get(api, "/api/v1/categories/?top_level=true").json()["results"]
    assert top and all(c["parent"] is None for c in top)


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/v1/cases/?province=999999", "province"),
        ("/api/v1/cases/?date_after=2024-13-40", "date_after"),
        ("/api/v1/cases/?amount_min=-5", "amount_min"),
        ("/api/v1/products/?category=no-such-thing", "category"),
        ("/api/v1/policies/?level=galactic", "level"),
        ("/api/v1/institutions/?kind=spaceship", "kind"),
        ("/api/v1/regions/?level=planet", "level"),
        ("/api/v1/metrics/?as_of_after=yesterday", "as_of_after"),
    ],
)
def test_unknown_filter_values_are_400_problems_naming_the_filter(api, url, field):
    assert problem_fields(get(api, url, status=400)) == [field]
