"""The /match/ page: an invitation before anything is described, results before the form once
something is, the sentence read back as chips, sources with their document; and odd sentences on
the API are 200s or 400s, never 500s."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db
SENTENCE = "杭州一家做工业软件的专精特新小企业，想用知识产权质押贷500万，一年期"


def test_blank_and_language_only_show_an_invitation(client):
    for params in ({}, {"lang": "en"}, {"province": "", "size": ""}):
        html = client.get("/match/", params).content.decode()
        assert 'class="invitation"' in html
        assert 'class="match-results"' not in html


def test_results_come_first_and_the_form_folds(client):
    html = client.get("/match/", {"q": SENTENCE}).content.decode()
    assert html.index('class="match-results"') < html.index('class="match-form"')
    assert '<details class="fields">' in html  # folded once a client is described
    assert 'class="invitation"' not in html


def test_sentence_read_back_as_chips(client):
    html = client.get("/match/", {"q": SENTENCE}).content.decode()
    chips = html[html.index('class="chips"') : html.index("</ul>", html.index('class="chips"'))]
    for text in (
        "杭州市",
        "信息传输、软件和信息技术服务业",
        "小型",
        "专精特新",
        "知识产权",
        "500万",
        "12个月",
    ):
        assert text in chips, text
    assert "科技金融" in chips  # the themes read too
    # Each chip (the seven above and two themes) links to the same client without it.
    assert chips.count("href=") == 9


def test_sources_name_their_document(client):
    html = client.get("/match/", {"q": SENTENCE}).content.decode()
    assert 'class="doc"' in html


@pytest.mark.parametrize(
    "q",
    [
        "9" * 290 + "亿",
        "1.234万",
        "十十十十十万",
        "贷99999999999个月",
        "!!!???",
        "abc def",
        "北京 上海 广州 深圳",
        "<script>alert(1)</script>",
        "🙂" * 50,
    ],
)
def test_odd_sentences_never_fail(client, q):
    r = client.get("/api/v1/match/", {"q": q})
    assert r.status_code in (200, 400), r.content
    if r.status_code == 200:
        read = r.json()["read"]
        assert read["amount"] is None or len(read["amount"].split(".")[-1]) == 2
    assert client.get("/match/", {"q": q}).status_code == 200


def test_too_long_sentence_is_a_400(client):
    r = client.get("/api/v1/match/", {"q": "杭" * 301})
    assert r.status_code == 400
    assert "q" in [e["field"] for e in r.json()["errors"]]
