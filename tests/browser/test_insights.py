"""The insights map in a real browser: provinces with data are coloured and lead to their list."""

import re

import pytest
from django.db.models import Count

from institutions.models import Region
from products.models import Case

pytestmark = pytest.mark.browser

NONE = "#e8e8e8"  # the fill of a region without data (static/insights/charts.js)


def fill_at(page, lon: float, lat: float) -> str:
    """The fill of the map region drawn at (lon, lat), found by ECharts' own projection."""
    return page.evaluate(
        """([lon, lat]) => {
            const chart = window.insightCharts["china-map"];
            const [x, y] = chart.convertToPixel({seriesIndex: 0}, [lon, lat]);
            const box = document.getElementById("china-map").getBoundingClientRect();
            const el = document.elementFromPoint(box.left + x, box.top + y);
            return el ? (el.getAttribute("fill") || "") : "";
        }""",
        [lon, lat],
    )


def click_at(page, lon: float, lat: float) -> None:
    x, y = page.evaluate(
        """([lon, lat]) => window.insightCharts["china-map"].convertToPixel({seriesIndex: 0}, [lon, lat])""",
        [lon, lat],
    )
    page.locator("#china-map").click(position={"x": x, "y": y})


def test_map_colours_provinces_with_data_and_links_them(page, site_url, shots):
    counts = dict(
        Case.objects.published().exclude(province=None).values_list("province").annotate(n=Count("id"))
    )
    top = max(counts, key=counts.get)
    region = Region.objects.get(code=top)
    empty = (
        Region.objects.filter(level="province", longitude__isnull=False)
        .exclude(code__in=counts)
        .exclude(code__in=["710000", "810000", "820000"])  # too small or drawn without codes
        .order_by("-code")
        .first()
    )
    page.goto(f"{site_url}/insights/")
    page.wait_for_function("() => document.querySelectorAll('#china-map svg path').length > 30")
    page.wait_for_timeout(500)  # ECharts animates the first colouring
    coloured = fill_at(page, region.longitude, region.latitude)
    assert coloured and coloured.lower() not in (NONE, "none"), coloured
    if empty is not None:
        assert fill_at(page, empty.longitude, empty.latitude).lower() == NONE
    page.screenshot(path=str(shots / "insights.png"), full_page=False)

    click_at(page, region.longitude, region.latitude)
    # A province whose cases name cities opens its city map with a link to the province's list.
    link = page.locator("a.province-list")
    try:
        link.wait_for(timeout=3000)
        link.click()
    except Exception:  # noqa: BLE001 — no city data: the click itself opened the list
        pass
    page.wait_for_url(re.compile(rf"/cases/\?province={top}"))
    assert int(page.locator("#result-count strong").get_attribute("data-total")) == counts[top]


def test_home_map_uses_the_same_outlines(page, site_url):
    counts = dict(
        Case.objects.published().exclude(province=None).values_list("province").annotate(n=Count("id"))
    )
    region = Region.objects.get(code=max(counts, key=counts.get))
    page.goto(f"{site_url}/")
    page.wait_for_function("() => document.querySelectorAll('#china-map svg path').length > 30")
    page.wait_for_timeout(500)
    assert fill_at(page, region.longitude, region.latitude).lower() not in (NONE, "none", "")
    click_at(page, region.longitude, region.latitude)
    page.wait_for_url(re.compile(rf"/cases/\?province={region.code}"))
