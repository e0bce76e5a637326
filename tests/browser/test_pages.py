"""What a relationship manager does, in a real browser."""

import re

import pytest

from products.models import Case, Product

pytestmark = pytest.mark.browser


def shown_total(page) -> int:
    return int(page.locator("#result-count strong").get_attribute("data-total"))


def test_filter_products_by_province_and_category(page, site_url, shots):
    page.goto(f"{site_url}/products/")
    everything = shown_total(page)
    page.locator('a[data-facet="province"][data-value="370000"]').click()
    page.wait_for_url(re.compile(r"province=370000"))
    in_shandong = shown_total(page)
    assert 0 < in_shandong < everything
    page.locator('a[data-facet="category"]').first.click()
    page.wait_for_url(re.compile(r"category="))
    assert "province=370000" in page.url
    slug = re.search(r"category=([\w-]+)", page.url).group(1)
    narrowed = shown_total(page)
    assert 0 < narrowed <= in_shandong
    from products.models import Category

    expected = (
        Product.objects.published()
        .filter(
            category__in=Category.objects.subtree(slug),
            cases__province_id="370000",
            cases__status="published",
        )
        .distinct()
        .count()
    )
    assert narrowed == expected
    page.screenshot(path=str(shots / "filtered-list.png"), full_page=False)


def test_open_a_product_and_reach_a_peer_case(page, site_url, shots):
    product = (
        Product.objects.published()
        .filter(category__slug="data-asset-pledge-loan", cases__isnull=False)
        .first()
    )
    page.goto(f"{site_url}/products/{product.pk}/")
    page.screenshot(path=str(shots / "product-page.png"), full_page=False)
    peers = page.locator("section.peers tbody tr")
    assert peers.count() >= 1
    link = peers.first.locator("td a").first
    link.click()
    page.wait_for_url(re.compile(r"/cases/\d+/"))
    case = Case.objects.get(pk=int(re.search(r"/cases/(\d+)/", page.url).group(1)))
    assert case.product.category_id == product.category_id
    assert case.institution.name in page.locator("h1").inner_text()


def test_switch_to_english(page, site_url, shots):
    page.goto(f"{site_url}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.screenshot(path=str(shots / "home.png"), full_page=False)
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "lang=en" in page.url  # the language is in the link a reader shares
    assert "Products by category" in page.content()
    page.goto(f"{site_url}/cases/?province=430000")
    assert "Hunan" in page.content()


def test_compare_two_products(page, site_url):
    page.goto(f"{site_url}/products/?category=data-asset-pledge-loan")
    boxes = page.locator('input[type=checkbox][name="product"]')
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.locator("button.compare-btn").click()
    page.wait_for_url(re.compile(r"/compare/\?product=\d+&product=\d+"))
    headers = page.locator("table.compare thead th")
    assert headers.count() == 3  # the row label plus two products


def test_phone_width_375(browser, site_url, db, shots):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    page = context.new_page()
    for path in (
        "/",
        "/products/?province=430000",
        "/cases/",
        f"/products/{Product.objects.published().first().pk}/",
    ):
        page.goto(site_url + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at 375px"
    page.goto(site_url + "/cases/")
    page.screenshot(path=str(shots / "cases-375.png"), full_page=False)
    context.close()
