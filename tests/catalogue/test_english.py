"""Both languages in the data: English names and abbreviations, capitalised kinds, the language
in the URL, and API messages that follow Accept-Language."""

import re
from html import unescape

import pytest
from rest_framework.test import APIClient

from institutions.models import Institution


def api_get(url: str, **headers):
    return APIClient().get(url, HTTP_ACCEPT="application/json", **headers)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, name",
    [
        ("ICBC", "中国工商银行"),
        ("Industrial Bank", "兴业银行"),
        ("PBOC", "中国人民银行"),
        ("CSRC", "中国证券监督管理委员会"),
    ],
)
def test_an_english_search_finds_the_chinese_institution(client, query, name):
    names = [r["name"] for r in api_get(f"/api/v1/institutions/?q={query}").json()["results"]]
    assert name in names, names
    html = client.get("/search/", {"q": query}).content.decode()
    assert name in html


@pytest.mark.django_db
def test_fixtures_give_english_names_only_with_the_chinese_name_kept():
    icbc = Institution.objects.get(name="中国工商银行")
    assert icbc.name_en == "Industrial and Commercial Bank of China"
    assert "ICBC" in set(icbc.aliases.values_list("name", flat=True))
    assert icbc.name_en_method == "official"
    # Institutions without a published English name get a composed one, marked as such
    # (tests/institutions/test_english_names.py).
    assert not Institution.objects.filter(name_en="").exists()


@pytest.mark.django_db
def test_english_pages_show_english_names_and_capitalised_kinds(client):
    icbc = Institution.objects.get(name="中国工商银行")
    html = client.get(f"/institutions/{icbc.pk}/?lang=en").content.decode()
    assert 'lang="en"' in html and "Industrial and Commercial Bank of China" in html
    assert "Large state-owned bank" in html
    listing = client.get("/institutions/?lang=en&page_size=100").content.decode()
    kinds = re.findall(r'data-facet="kind" data-value="[^"]*"[^>]*>([^<]+)<', listing)
    assert kinds and all(k[0].isupper() for k in kinds), kinds
    # Chinese pages keep the Chinese name.
    assert (
        "Industrial and Commercial Bank of China"
        not in client.get(f"/institutions/{icbc.pk}/?lang=zh-hans").content.decode()
    )


@pytest.mark.django_db
def test_the_language_is_in_the_url_and_links_keep_it(client):
    response = client.get("/cases/?lang=en&province=430000")
    html = response.content.decode()
    assert '<html lang="en">' in html
    facet_urls = [unescape(u) for u in re.findall(r'<a href="(\?[^"]+)" class="[^"]*" data-facet=', html)]
    assert facet_urls and all("lang=en" in u for u in facet_urls)
    # The switch is a link carrying the language and the rest of the state.
    switch = re.search(r'<nav class="lang".*?</nav>', html, re.S).group(0)
    assert "lang=zh-hans" in unescape(switch) and "province=430000" in unescape(switch)
    # A shared link reads the same for someone whose cookie says otherwise.
    other = type(client)()
    other.cookies["django_language"] = "zh-hans"
    assert '<html lang="en">' in other.get("/cases/?lang=en").content.decode()
    # Opening it remembers the language for pages linked without it.
    assert response.cookies["django_language"].value == "en"


@pytest.mark.django_db
def test_api_validation_messages_follow_accept_language():
    en = api_get("/api/v1/cases/?date_after=2024-13-40", HTTP_ACCEPT_LANGUAGE="en")
    zh = api_get("/api/v1/cases/?date_after=2024-13-40", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert en.status_code == zh.status_code == 400
    assert "Enter a valid date" in en.content.decode()
    assert "Enter a valid date" not in zh.content.decode()
    ordering = api_get("/api/v1/institutions/?ordering=nonsense", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "nonsense" in ordering and re.search(r"[A-Za-z]{5,}", ordering)
    ordering_zh = api_get("/api/v1/regions/?ordering=nonsense", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    ordering_en = api_get("/api/v1/regions/?ordering=nonsense", HTTP_ACCEPT_LANGUAGE="en").json()
    assert ordering_zh != ordering_en


@pytest.mark.django_db
def test_pages_in_english_translate_interface_and_names_but_not_document_text(client):
    client.cookies["django_language"] = "en"
    html = client.get("/cases/?province=430000").content.decode()
    assert "Hunan" in html and "Province" in html and "Cases" in html
    assert "知识产权质押外币贷款" in html  # product names stay as written
    html = client.get("/").content.decode()
    assert "Data-asset pledge loan" in html and "Technology finance" in html
