"""Issue 19's measure in a real browser, at a phone's width and a laptop's, in Chinese and English:
a manager matches a client from one sentence; a researcher drills the insights map to a city; the
API reference is usable. axe finds nothing serious or critical on any page visited, and no page is
wider than its window."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db.models import Count
from django.utils import translation

from institutions.models import Region
from products.models import Case
from tests.browser.conftest import assert_accessible, assert_fits

pytestmark = pytest.mark.browser

WIDTHS = [375, 1366]
LANGS = ["zh-hans", "en"]
SENTENCE = "杭州一家做工业软件的专精特新小企业，想用知识产权质押贷500万，一年期"
# What the sentence must be read as, in each language (a chip each).
READ_AS = {"zh-hans": ["杭州市", "专精特新", "500万元", "12个月"], "en": ["Hangzhou", "Small", "12 months"]}


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGS)
def test_match_a_client_from_one_sentence(open_page, site_url, axe, shots, width, lang):
    page = open_page(width, lang)
    page.goto(f"{site_url}/match/?lang={lang}")
    assert_accessible(page, axe, "blank match form")
    assert_fits(page, "blank match form")

    page.fill("#id_q", SENTENCE)
    page.locator("form.match-form button[type=submit]").click()
    page.wait_for_selector(".reading .chips li")
    chips = page.locator(".reading .chips li").all_inner_texts()
    for word in READ_AS[lang]:
        assert any(word in c for c in chips), (word, chips)
    results = page.locator("ol.match-results > li")
    assert results.count() >= 1
    # What was read and the results come first: above the form on a phone, beside it on a laptop,
    # and the first result within the first screen on both.
    reading, first, form = (
        box(page, ".reading"),
        box(page, "ol.match-results > li"),
        box(page, "form.match-form"),
    )
    if width < 960:
        assert reading["y"] < first["y"] < form["y"]
    else:
        assert first["x"] + first["width"] <= form["x"] and reading["y"] < first["y"]
    assert first["y"] < 900, first
    page.screenshot(path=str(shots / f"match-{lang}-{width}.png"), full_page=False)
    assert_accessible(page, axe, "match results")
    assert_fits(page, "match results")


def drill_target() -> tuple[Region, int]:
    """The province whose published cases name the most cities (and whose outline we ship)."""
    rows = (
        Case.objects.published()
        .exclude(city=None)
        .values("province")
        .annotate(n=Count("city", distinct=True))
        .order_by("-n", "province")
    )
    outlines = settings.BASE_DIR / "static" / "vendor" / "china-geo" / "province"
    for r in rows:
        if (outlines / f"{r['province']}.json").exists():
            return Region.objects.get(code=r["province"]), r["n"]
    pytest.fail("no province with cities in the cases")


def click_region(page, lon: float, lat: float) -> None:
    x, y = page.evaluate(
        "([lon, lat]) => window.insightCharts['china-map'].convertToPixel({seriesIndex: 0}, [lon, lat])",
        [lon, lat],
    )
    page.locator("#china-map").click(position={"x": x, "y": y})


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGS)
def test_insights_map_drills_into_a_province_in_place(open_page, site_url, axe, shots, width, lang):
    province, n_cities = drill_target()
    page = open_page(width, lang)
    page.goto(f"{site_url}/insights/?lang={lang}")
    page.wait_for_function("() => document.querySelectorAll('#china-map svg path').length > 30")
    page.wait_for_timeout(300)
    assert_accessible(page, axe, "insights")
    assert_fits(page, "insights")

    click_region(page, province.longitude, province.latitude)
    page.wait_for_function(
        f"() => document.getElementById('china-map').dataset.drawn === 'province-{province.code}'"
    )
    page.wait_for_timeout(600)  # the city map's entry animation
    # The table beside (or below) now lists the province's cities, not the provinces.
    city_table = page.locator("table.city-table")
    assert city_table.is_visible() and not page.locator("table[data-metric='cases']").is_visible()
    with translation.override(lang):
        assert province.display_name in city_table.locator("caption").inner_text()
    assert city_table.locator("tbody tr").count() == n_cities
    # The city map fills its own panel: the chart keeps the panel's first column (the table is to
    # its right on a laptop, below it on a phone) and the outline is drawn across the chart.
    panel, chart, table = (
        box(page, "#map-h + .map-switch ~ .insight-body"),
        box(page, "#china-map"),
        city_table.bounding_box(),
    )
    assert abs(chart["x"] - panel["x"]) < 2, (chart, panel)
    if width < 800:
        assert table["y"] >= chart["y"] + chart["height"] - 1
    else:
        assert table["x"] >= chart["x"] + chart["width"] - 1 and abs(table["y"] - chart["y"]) < 60
    view = page.evaluate(
        "() => { const r = window.insightCharts['china-map'].getModel().getSeriesByIndex(0)"
        ".coordinateSystem.getViewRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}; }"
    )
    centre = view["x"] + view["width"] / 2
    assert 0.3 * chart["width"] < centre < 0.7 * chart["width"], (view, chart)
    assert view["width"] > 0.5 * chart["width"] or view["height"] > 0.6 * chart["height"], (view, chart)
    page.screenshot(path=str(shots / f"insights-drill-{lang}-{width}.png"), full_page=False)
    assert_accessible(page, axe, "insights, province drilled")
    assert_fits(page, "insights, province drilled")

    # Back to the country: the provinces again.
    page.locator("#map-drill button.map-back").click()
    page.wait_for_function("() => document.getElementById('china-map').dataset.drawn === 'china'")
    assert page.locator("table[data-metric='cases']").is_visible() and not city_table.is_visible()

    # A city's figure is the count of the list it opens.
    click_region(page, province.longitude, province.latitude)
    link = page.locator("table.city-table tbody tr a").first
    link.wait_for()
    shown = int(link.inner_text())
    link.click()
    page.wait_for_url(re.compile(r"/cases/\?.*city=\d+"))
    assert int(page.locator("#result-count strong").get_attribute("data-total")) == shown
    assert_accessible(page, axe, "case list of a city")
    assert_fits(page, "case list of a city")


@pytest.mark.parametrize("width", WIDTHS)
def test_api_reference_is_accessible_and_fits(open_page, site_url, axe, width):
    page = open_page(width, "en")
    page.goto(f"{site_url}/api/docs/")
    page.wait_for_selector(".opblock-summary-control")
    assert_accessible(page, axe, "API docs")
    assert_fits(page, "API docs")
    # An operation opened: its parameters, examples and response table.
    page.locator("#operations-products-products_list .opblock-summary-control").click()
    page.wait_for_selector("#operations-products-products_list tr[data-param-name]")
    page.wait_for_timeout(300)
    assert_accessible(page, axe, "API docs, an operation open")
    assert_fits(page, "API docs, an operation open")


@pytest.fixture(scope="session")
def sweep(django_db_setup, django_db_blocker) -> dict:
    """The pages to sweep, read outside the tests' transactions: a read inside one would hold
    SQLite's shared lock, and the live server could not save the session the basket writes."""
    from institutions.models import Institution
    from policies.models import Policy
    from products.models import Product

    with django_db_blocker.unblock():
        case = Case.objects.published().first().pk
        return {
            "case": case,
            "paths": [
                "/",
                "/products/",
                "/cases/",
                "/policies/",
                "/institutions/",
                "/regions/",
                "/regions/370000/",
                f"/products/{Product.objects.published().first().pk}/",
                f"/cases/{case}/",
                f"/policies/{Policy.objects.published().first().pk}/",
                f"/institutions/{Institution.objects.first().pk}/",
                "/search/?q=绿色",
                "/accounts/login/",
                "/insights/",
            ],
        }


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGS)
def test_every_page_is_accessible_and_fits(open_page, site_url, axe, sweep, width, lang):
    page = open_page(width, lang)
    for path in sweep["paths"]:
        sep = "&" if "?" in path else "?"
        page.goto(f"{site_url}{path}{sep}lang={lang}")
        page.wait_for_load_state("load")
        assert_accessible(page, axe, path)
        assert_fits(page, path)
    # A flash message ("added to the compare basket") is a list inside a live region.
    page.goto(f"{site_url}/cases/{sweep['case']}/?lang={lang}")
    page.locator("form.basket-form button[type=submit]").click()
    page.wait_for_selector(".messages-region li")
    assert_accessible(page, axe, "a flash message")
    assert_fits(page, "a flash message")
