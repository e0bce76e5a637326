"""The directory's pages: an institution with its branch tree, products, cases and figures; regions."""

import pytest

from institutions.models import Institution, Metric, Region


@pytest.mark.django_db
def test_institution_page_shows_tree_products_cases_and_figures(client):
    xingye = Institution.objects.get(name="兴业银行")
    html = client.get(f"/institutions/{xingye.pk}/").content.decode()
    assert 'class="tree"' in html
    branches = xingye.all_branches.all()[:5]
    assert len(branches) == 5
    for branch in branches:
        assert branch.name in html
    assert "兴业银行福州分行" in html and "绿票通" in html
    # A branch with reported figures (表8).
    nanping = Institution.objects.get(name="兴业银行南平分行")
    html = client.get(f"/institutions/{nanping.pk}/").content.decode()
    metrics = Metric.objects.filter(institution=nanping)
    assert metrics, "兴业银行南平分行 reports figures in 表8"
    for m in metrics:
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
def test_region_labels_exist_for_every_province():
    assert Region.objects.filter(level="province").count() == 34
