"""The home page: what the catalogue holds, Chinese by default, the language switch, and a bounded
number of queries."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
def test_chinese_by_default_even_for_an_english_browser(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in html and "中小企业金融产品目录" in html


@pytest.mark.django_db
def test_the_switch_sets_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/").content.decode()
    assert 'lang="en"' in html and "Data-asset pledge loan" in html and "Hunan" in html


@pytest.mark.django_db
def test_home_page_query_budget(client):
    client.get("/")  # warm the stats cache
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    assert len(ctx.captured_queries) <= 12
