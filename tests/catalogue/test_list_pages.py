"""The faceted list pages: filters, facet counts that match the list, bad input, query budget."""

import datetime as dt
import re
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from catalogue.listing import field_label
from products.filters import CaseFilter, ProductFilter
from products.models import Case
from tests.factories import CaseFactory, InstitutionFactory, ProductFactory, RegionFactory
from tests.fixture_data import fixture_records

LISTS = ["/products/", "/cases/", "/policies/", "/institutions/"]


def total(html: str) -> int:
    return int(re.search(r'data-total="(\d+)"', html).group(1))


FACET_LINK = re.compile(
    r'<a href="([^"]+)" class="([^"]*)" data-facet="(\w+)" data-value="[^"]*"[^>]*>[^<]*</a> <span class="n">(\d+)</span>'
)


def facet_links(html: str, *, unselected_only: bool = False) -> list[tuple[str, str, int]]:
    """(facet, url, shown count) for every facet value on the page."""
    found = FACET_LINK.findall(html)
    return [
        (facet, unescape(url), int(n))
        for url, cls, facet, n in found
        if not (unselected_only and "on" in cls)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("url", LISTS)
def test_list_pages_render_with_results_and_facets(client, url):
    html = client.get(url).content.decode()
    assert total(html) > 0
    assert facet_links(html), "facets with counts"
    assert 'class="pagination"' in html or total(html) <= 20


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/cases/",
        "/cases/?province=430000",
        "/cases/?category=credit",
        "/cases/?amount_min=100000",
        "/cases/?amount_min=100000&currency=USD",
        "/products/",
        "/products/?theme=green-finance",
        "/products/?province=370000",
        "/policies/",
        "/policies/?level=provincial",
        "/institutions/",
        # A second value of a multi-value (any of) facet: its count is the list with both.
        "/cases/?theme=green-finance",
        "/products/?theme=green-finance&institution_kind=branch",
        "/policies/?level=provincial&level=central",
        "/institutions/?kind=branch",
    ],
)
def test_every_facet_count_equals_the_list_it_leads_to(client, url):
    html = client.get(url).content.decode()
    links = facet_links(html, unselected_only=True)
    assert links
    checked = 0
    for facet, link, shown in links:
        target = client.get(url.split("?")[0] + link).content.decode()
        assert total(target) == shown, (facet, link, shown, total(target))
        checked += 1
    assert checked >= 5


@pytest.mark.django_db
def test_province_filter_shows_only_that_province(client):
    html = client.get("/cases/?province=430000&page_size=100").content.decode()
    # Counted from the curated files, not from the query the page runs.
    n = sum(1 for c in fixture_records("cases") if c.get("province") in {"湖南省", "430000"})
    assert total(html) == n >= 3
    assert "湖南省" in html and "知识产权质押外币贷款" in html
    # City facet appears under the province.
    assert 'data-facet="city"' in html and "张家界市" in html


@pytest.mark.django_db
def test_head_office_includes_branches_on_the_case_list(client):
    head, elsewhere = InstitutionFactory(), InstitutionFactory()
    branch = InstitutionFactory(parent=head)
    sub = InstitutionFactory(parent=branch)
    for institution in (head, branch, sub, elsewhere):
        CaseFactory(product=ProductFactory(institution=institution))
    assert total(client.get(f"/cases/?institution={head.pk}").content.decode()) == 3
    assert total(client.get(f"/cases/?institution={elsewhere.pk}").content.decode()) == 1


@pytest.mark.django_db
def test_product_date_and_place_filters_apply_to_the_same_case(client):
    here, there = RegionFactory(), RegionFactory()
    both = ProductFactory()
    CaseFactory(product=both, province=here, date=dt.date(2024, 5, 10))
    split = ProductFactory()  # in the province, and in May, but never both at once
    CaseFactory(product=split, province=here, date=dt.date(2024, 7, 1))
    CaseFactory(product=split, province=there, date=dt.date(2024, 5, 10))
    html = client.get(
        f"/products/?province={here.code}&date_after=2024-05-01&date_before=2024-05-31"
    ).content.decode()
    assert total(html) == 1 and both.name in html and split.name not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, field",
    [
        ("date_after=2024-13-40", "date_after"),
        ("category=no-such-category", "category"),
        ("amount_min=-5", "amount_min"),
        ("province=999999", "province"),
        ("q=" + "贷" * 10000, "q"),
        ("currency=yuan", "currency"),
        ("page_size=7", "page_size"),
    ],
)
def test_bad_input_is_a_form_error_not_a_500(client, query, field):
    for base, filterset in (("/cases/", CaseFilter), ("/products/", ProductFilter)):
        response = client.get(f"{base}?{query}&theme=green-finance")
        assert response.status_code == 200
        html = response.content.decode()
        errors = re.search(r'<div class="errors".*?</div>', html, re.S).group(0)
        # Named in words (the filter's label), never by the raw parameter name.
        with translation.override("zh-hans"):
            label = field_label(filterset(), field)
        assert f"<strong>{label}</strong>" in errors and f"<strong>{field}</strong>" not in errors, errors
        # The valid filter still applies.
        assert total(html) > 0


@pytest.mark.django_db
def test_bad_page_numbers_fall_back(client):
    for page in ("abc", "0", "99999"):
        assert client.get(f"/cases/?page={page}").status_code == 200


@pytest.mark.django_db
def test_empty_result_suggests_what_to_relax(client):
    html = client.get("/cases/?province=540000&currency=THB").content.decode()
    assert total(html) == 0
    empty = re.search(r'<div class="empty">(.*?)</div>', html, re.S).group(1)
    links = [unescape(u) for u in re.findall(r'href="([^"]+)"', empty)]
    # One suggestion per filter, each dropping exactly that filter, and a way to clear them all.
    assert any("currency=THB" in u and "province" not in u for u in links), links
    assert any("province=540000" in u and "currency" not in u for u in links), links
    assert any("province" not in u and "currency" not in u for u in links), links


@pytest.mark.django_db
def test_the_url_holds_the_whole_state(client):
    html = client.get("/cases/?province=430000&ordering=-amount&page_size=10").content.decode()
    # Facet links keep the other parameters.
    links = [link for facet, link, _n in facet_links(html) if facet == "category"]
    assert links and all("province=430000" in link and "ordering=-amount" in link for link in links)
    assert '<option value="-amount" selected>' in html


def queries(client, url: str, *, cold: bool = True) -> int:
    if cold:
        cache.clear()  # facet counts are cached; measure the uncached worst case
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/cases/?",
        "/cases/?province=330000&category=credit&theme=green-finance&date_after=2024-01-01&amount_min=1",
        "/products/?",
        "/products/?province=330000&category=credit&institution_kind=branch&currency=CNY",
        "/policies/?level=provincial&topic=business-environment",
        "/institutions/?kind=branch",
    ],
)
def test_list_pages_run_a_constant_number_of_queries(client, url, many_cases):
    small = queries(client, url + "&page_size=10")
    large = queries(client, url + "&page_size=100")
    assert small == large
    # 30: the product list's programme-kind, collateral-type and eligible-firm facets cost a count
    # and a label query each, and a chosen "any of" facet two more (its chosen total and one
    # GROUP BY for the values not chosen) whatever the number of values. On PostgreSQL two more
    # set and reset the planner's join order around the rows (catalogue/planner.py).
    assert large <= 30 + (2 if connection.vendor == "postgresql" else 0), f"{url} runs {large} queries"
    # A repeat of the same state reads the facets from the cache.
    assert queries(client, url + "&page_size=100", cold=False) < large


@pytest.mark.django_db
def test_multi_value_facets_say_any_of_and_count_the_widened_list(client):
    html = client.get("/products/?theme=green-finance").content.decode()
    theme = re.search(
        r'<section class="facet" aria-labelledby="facet-theme">.*?</section>', html, re.S
    ).group(0)
    assert 'class="facet-mode"' in theme
    chosen_total = total(html)
    others = [(link, n) for facet, link, n in facet_links(theme, unselected_only=True)]
    assert others
    for link, n in others:
        # Adding a value can only widen an "any of" list.
        assert n >= chosen_total
        assert total(client.get("/products/" + link).content.decode()) == n


def chip_items(html: str) -> list[tuple[str, str]]:
    """(url, text) of every chip above the results."""
    found = re.search(r'<ul class="chips".*?</ul>', html, re.S)
    items = re.findall(r'<li><a href="([^"]+)"[^>]*>(.*?)</a></li>', found.group(0), re.S) if found else []
    return [(unescape(url), unescape(re.sub(r"<[^>]+>.*", "", text)).strip()) for url, text in items]


def chips(html: str) -> list[str]:
    return [text for _url, text in chip_items(html)]


@pytest.mark.django_db
def test_every_active_filter_is_a_chip(client):
    html = client.get(
        "/cases/?date_after=2024-01-01&date_before=2024-12-31&amount_min=1000&target_clients=小微"
    ).content.decode()
    shown = chips(html)
    assert any("2024-01-01" in c for c in shown), shown
    assert any("2024-12-31" in c for c in shown), shown
    assert any("1,000" in c and "元" in c for c in shown), shown
    assert any("小微" in c for c in shown), shown
    # Each chip removes exactly its own filter.
    for url, text in chip_items(html):
        if "2024-01-01" in text:
            assert "date_after" not in url and "date_before" in url and "amount_min" in url


@pytest.mark.django_db
def test_an_empty_parameter_makes_no_chip(client):
    html = client.get("/cases/?currency=&province=430000").content.decode()
    shown = chips(html)
    assert len(shown) == 1 and "湖南" in shown[0], shown


@pytest.mark.django_db
def test_a_city_without_its_province_is_explained(client):
    city = Case.objects.published().exclude(city=None).values_list("city_id", flat=True).first()
    html = client.get(f"/cases/?city={city}").content.decode()
    facet = re.search(r'aria-labelledby="facet-city">.*?</section>', html, re.S).group(0)
    assert 'class="facet-note"' in facet and 'aria-current="true"' in facet
    assert total(html) == Case.objects.published().filter(city_id=city).count()


@pytest.mark.django_db
def test_policy_facets_have_distinct_headings(client):
    html = client.get("/policies/").content.decode()
    headings = re.findall(r'<h3 id="facet-\w+">([^<]+)', html)
    assert len(headings) == len(set(h.strip() for h in headings)), headings


@pytest.mark.django_db
@pytest.mark.parametrize(
    "base, query, bounds",
    [
        ("/cases/", "date_after=2024-06-01&date_before=2024-01-01", ("2024-06-01", "2024-01-01")),
        ("/cases/", "amount_min=500&amount_max=100", ("500", "100")),
        ("/products/", "date_after=2024-06-01&date_before=2024-01-01", ("2024-06-01", "2024-01-01")),
        ("/policies/", "issued_after=2024-06-01&issued_before=2024-01-01", ("2024-06-01", "2024-01-01")),
    ],
)
def test_a_reversed_range_is_answered_with_a_message(client, base, query, bounds):
    response = client.get(f"{base}?{query}")
    # A page answers bad filters with the list and a message (never a server error).
    assert response.status_code == 200
    html = response.content.decode()
    errors = re.search(r'<div class="errors".*?</div>', html, re.S).group(0)
    # The message quotes both bounds the user gave, so they can see which way round they are.
    assert all(bound in errors for bound in bounds), errors
    assert total(html) == total(client.get(base).content.decode()) > 0


@pytest.mark.django_db
def test_a_page_past_the_end_says_so(client):
    html = client.get("/cases/?page=99999").content.decode()
    errors = re.search(r'<div class="errors".*?</div>', html, re.S).group(0)
    shown, pages = re.search(r"第 (\d+) 页，共 (\d+) 页", html).groups()
    assert shown == pages and pages in errors
