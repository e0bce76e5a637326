import pytest

from products.models import Case


@pytest.mark.django_db
def test_home_page_says_what_is_in_the_catalogue(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<strong>{Case.objects.published().count()}</strong>" in html
    assert "数据资产质押贷款" in html and "绿色票据贴现" in html
    assert "湖南省" in html


@pytest.mark.django_db
def test_home_page_in_english(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert 'lang="en"' in html and "Data-asset pledge loan" in html and "Hunan" in html
