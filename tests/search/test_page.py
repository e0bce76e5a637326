"""The /search/ page: grouped by kind, highlighted, and kind to odd input."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_results_grouped_by_kind_with_highlights(client):
    response = client.get(reverse("search:results"), {"q": "建行"})
    assert response.status_code == 200
    html = response.content.decode()
    kinds = [g.kind for g in response.context["results"].groups]
    assert kinds == ["product", "case", "institution"]
    for kind in kinds:
        assert f'id="kind-{kind}"' in html
    assert "<mark>建行</mark>" in html
    assert "中国建设银行上海市分行" in html  # a branch, found through the head office's alias


@pytest.mark.django_db
def test_highlight_survives_pdf_spacing_and_traditional_query(client):
    html = client.get("/search/", {"q": "訂單e貸"}).content.decode()
    assert "<mark>订单e贷</mark>" in html


@pytest.mark.django_db
def test_results_link_to_record_pages_and_full_lists(client):
    response = client.get("/search/", {"q": "绿色"})
    html = response.content.decode()
    product_group = next(g for g in response.context["results"].groups if g.kind == "product")
    assert product_group.count > len(product_group.hits) == 10
    assert f'href="{product_group.list_url}"'.replace("&", "&amp;") in html
    assert "q=%E7%BB%BF%E8%89%B2" in product_group.list_url
    assert product_group.hits[0].url.endswith(f"/{product_group.hits[0].obj.pk}/")


@pytest.mark.django_db
def test_empty_query_shows_the_form_and_a_hint(client):
    for params in ({}, {"q": ""}, {"q": "   "}):
        response = client.get("/search/", params)
        assert response.status_code == 200
        assert response.context["results"] is None
        assert 'name="q"' in response.content.decode()


@pytest.mark.django_db
def test_no_results_suggests_a_relaxed_query(client):
    response = client.get("/search/", {"q": "绿票通 火星"})
    results = response.context["results"]
    assert results.groups == [] and results.suggestion == "绿票通"
    html = response.content.decode()
    assert 'class="suggestion"' in html and "绿票通" in html
    # the suggestion itself finds something
    assert client.get("/search/", {"q": results.suggestion}).context["results"].groups


@pytest.mark.django_db
def test_no_results_for_a_long_word_suggests_its_known_parts(client):
    results = client.get("/search/", {"q": "数易贷火星版"}).context["results"]
    assert results.groups == [] and results.suggestion.startswith("数易贷")


@pytest.mark.django_db
def test_nothing_to_suggest(client):
    response = client.get("/search/", {"q": "火星"})
    assert response.status_code == 200 and response.context["results"].suggestion == ""


@pytest.mark.django_db
def test_punctuation_only_query(client):
    response = client.get("/search/", {"q": "《》！"})
    assert response.status_code == 200 and response.context["results"].groups == []


@pytest.mark.django_db
def test_a_10000_character_query_is_a_form_error_not_a_500(client):
    response = client.get("/search/", {"q": "绿" * 10_000})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and 'aria-invalid="true"' in html


@pytest.mark.django_db
def test_markup_in_the_query_is_escaped(client):
    html = client.get("/search/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in html


@pytest.mark.django_db
def test_search_box_on_every_page(client):
    for url in ("/", "/search/", "/search/?q=绿色"):
        html = client.get(url).content.decode()
        assert 'role="search"' in html and 'for="site-q"' in html and 'action="/search/"' in html


@pytest.mark.django_db
def test_chinese_by_default_english_on_request(client):
    html = client.get("/search/", {"q": "Hunan"}).content.decode()
    assert 'lang="zh-hans"' in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/search/"})
    html = client.get("/search/", {"q": "Hunan"}).content.decode()
    assert 'lang="en"' in html and "Cases" in html and "Search the catalogue" in html


@pytest.mark.django_db
def test_page_query_count_is_bounded(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        client.get("/search/", {"q": "银行"})
