"""Normalisation and tokens: documents and queries meet in one form."""

import pytest

from catalogue.fulltext.text import Query, highlight, match_spans, normalise, parse_query, tokens


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("订单e 贷", "订单e贷"),  # PDF spaces inside a product name
        ("“e 钱庄”", "e钱庄"),  # quotes and spaces next to CJK
        ('"浙科 e 贷"', "浙科e贷"),
        ("質押貸款", "质押贷款"),  # traditional → simplified
        ("數據資產", "数据资产"),
        ("ＡＢＣ１２３", "abc123"),  # full-width → half-width, lower case
        ("ｅ抵快贷", "e抵快贷"),
        ("Green Bill", "green bill"),  # spaces between Latin words stay
        ("湖南　长沙", "湖南长沙"),  # ideographic space
        ("裡", "里"),  # a Taiwan variant resolves through the traditional form
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_tokens_are_bigrams_plus_the_last_character():
    assert tokens("碳达峰") == ["碳达", "达峰", "峰"]
    assert tokens("e钱庄 7.0") == ["e", "钱庄", "庄", "7", "0"]  # Latin and digits are words
    assert tokens("Green Bill discounting") == ["green", "bill", "discounting"]
    assert tokens("绿") == ["绿"]
    assert tokens("《绿色》、票据") == ["绿色", "色", "票据", "据"]


def test_simplified_and_traditional_tokens_are_the_same():
    assert tokens("知識產權質押") == tokens("知识产权质押")


def test_query_terms_are_phrases_with_a_prefix_at_the_end():
    assert Query.term_tokens("碳达峰") == (["碳达", "达峰"], False)
    assert Query.term_tokens("订单e贷") == (["订单", "单", "e", "贷"], True)
    assert Query.term_tokens("hun") == (["hun"], True)
    assert Query.term_tokens("贷") == (["贷"], True)


def test_a_lone_character_is_glued_back_to_its_pdf_spaced_name():
    assert parse_query("浙科 e 贷").terms == ("浙科e贷",)
    assert parse_query("订单e 贷").terms == ("订单e贷",)
    assert parse_query("e 钱庄").terms == ("e钱庄",)
    assert parse_query("湖南 民宿").terms == ("湖南", "民宿")
    assert parse_query("green bill").terms == ("green", "bill")


def test_parse_query_splits_on_spaces_and_drops_contained_terms():
    assert parse_query("湖南  绿色").terms == ("湖南", "绿色")
    assert parse_query("绿色 绿色金融").terms == ("绿色金融",)
    assert parse_query("  ").terms == ()
    assert parse_query("《》!!").terms == ()
    assert parse_query("“订单e贷”").terms == ("订单e贷",)
    assert parse_query("x" * 10_000).terms == ("x" * 40,)


def test_highlight_maps_back_to_the_original_text():
    q = parse_query("订单e贷 质押")
    html = highlight("以“订单e 貸”和質押<b>", q)
    assert html == "以“<mark>订单e 貸</mark>”和<mark>質押</mark>&lt;b&gt;"


def test_highlight_escapes_and_cuts_around_the_first_match():
    text = "甲" * 200 + "绿色金融" + "乙" * 200
    html = highlight(text, parse_query("绿色"), around=40)
    assert html.startswith("…") and html.endswith("…") and "<mark>绿色</mark>" in html
    assert len(html) < 80


def test_match_spans_merge_overlaps():
    assert match_spans("绿色金融", parse_query("绿色 色金")) == [(0, 3)]
    assert match_spans("", parse_query("绿色")) == []
