"""Product and case pages: every fact with its source, the timeline, peers, print view, comparison,
and 404 for what is unknown or withdrawn."""

import pytest
from django.utils.html import escape

from products.models import Case, Product


@pytest.mark.django_db
def test_product_page_shows_facts_sources_timeline_peers_and_policies(client):
    product = Product.objects.get(name="数易贷", institution__name="上海数据交易所")
    html = client.get(f"/products/{product.pk}/").content.decode()
    for s in product.sources.all():
        assert escape(s.excerpt) in html and s.locator in html
    # Its cases as a timeline, with dates in order.
    dates = [c.date.isoformat() for c in product.cases.published().exclude(date=None).order_by("date")]
    assert dates and all(d in html for d in dates)
    assert html.index(dates[0]) <= html.index(dates[-1])
    # Peers: other data-asset pledge loans at other institutions (表2 is for this).
    assert 'class="peers"' in html and "光大银行青岛分行" in html
    assert "print=1" in html


@pytest.mark.django_db
def test_print_view_drops_navigation(client):
    product = Product.objects.published().first()
    html = client.get(f"/products/{product.pk}/?print=1").content.decode()
    assert 'class="printing"' in html


@pytest.mark.django_db
def test_case_page(client):
    case = Case.objects.published().get(date="2024-04-29", currency="USD")
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "27万美元" in html and "益阳市" in html and "交通银行" in html
    assert escape(case.sources.first().excerpt) in html


@pytest.mark.django_db
def test_compare_products_and_cases(client):
    a, b = Product.objects.published().filter(category__slug="data-asset-pledge-loan")[:2]
    html = client.get(f"/compare/?product={a.pk}&product={b.pk}").content.decode()
    assert a.name in html and b.name in html and "table" in html
    c1, c2 = Case.objects.published()[:2]
    assert client.get(f"/compare/?case={c1.pk}&case={c2.pk}").status_code == 200
    # Bad and excessive input: a message, not a 500.
    html = client.get("/compare/?product=abc").content.decode()
    assert 'class="errors"' in html
    ids = "&".join(f"product={p.pk}" for p in Product.objects.published()[:7])
    html = client.get(f"/compare/?{ids}").content.decode()
    assert 'class="errors"' in html and html.count('<th scope="col"><a href="/products/') == 6


@pytest.mark.django_db
def test_unknown_records_are_404(client):
    for url in ("/products/999999/", "/cases/999999/", "/institutions/999999/", "/policies/999999/"):
        assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_withdrawn_records_are_not_shown(client):
    product = Product.objects.published().first()
    product.status = "withdrawn"
    product.save()
    assert client.get(f"/products/{product.pk}/").status_code == 404
