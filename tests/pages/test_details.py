"""Detail pages: every fact with its source, timelines, peers, trees, regions, comparison."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from institutions.models import Institution, Metric, Region
from policies.models import Policy
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
def test_institution_page_shows_tree_products_cases_and_figures(client):
    xingye = Institution.objects.get(name="兴业银行")
    html = client.get(f"/institutions/{xingye.pk}/").content.decode()
    assert 'class="tree"' in html
    for branch in xingye.all_branches.all()[:5]:
        assert branch.name in html
    assert "兴业银行福州分行" in html and "绿票通" in html
    # A branch with reported figures (表8).
    nanping = Institution.objects.get(name="兴业银行南平分行")
    html = client.get(f"/institutions/{nanping.pk}/").content.decode()
    for m in Metric.objects.filter(institution=nanping):
        assert m.indicator in html
    assert "兴业银行" in html  # breadcrumb to its head office


@pytest.mark.django_db
def test_region_pages(client):
    html = client.get("/regions/430000/").content.decode()
    assert "湖南省" in html and "张家界市" in html and "民宿贷" in html
    assert client.get("/regions/430800/").status_code == 200
    assert client.get("/regions/999999/").status_code == 404
    assert client.get("/regions/abc/").status_code == 404
    html = client.get("/regions/").content.decode()
    assert "湖南省" in html and "--w:" in html


@pytest.mark.django_db
def test_policy_pages(client):
    policy = (
        Policy.objects.published().filter(document_title__contains="城新贷").first()
        or Policy.objects.published().filter(products__isnull=False).first()
    )
    html = client.get(f"/policies/{policy.pk}/").content.decode()
    assert escape(policy.heading) in html
    for m in policy.key_measures:
        assert escape(m) in html
    for p in policy.products.all():
        assert escape(p.name) in html
    assert client.get("/policies/?level=district").status_code == 200


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


@pytest.mark.django_db
def test_pages_in_english_translate_interface_and_names_but_not_document_text(client):
    client.cookies["django_language"] = "en"
    html = client.get("/cases/?province=430000").content.decode()
    assert "Hunan" in html and "Province" in html and "Cases" in html
    assert "知识产权质押外币贷款" in html  # product names stay as written
    html = client.get("/").content.decode()
    assert "Data-asset pledge loan" in html and "Technology finance" in html


@pytest.mark.django_db
def test_home_page_query_budget(client):
    client.get("/")  # warm the stats cache
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    assert len(ctx.captured_queries) <= 12


@pytest.mark.django_db
def test_region_labels_exist_for_every_province():
    assert Region.objects.filter(level="province").count() == 34
