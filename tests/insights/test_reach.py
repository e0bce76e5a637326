"""Insights can be found (nav, lists, region pages) and its charts do not mislead: months and years
keep their gaps, overlapping topics and themes are not stacked, a one-row chart is a table only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.http import QueryDict

from insights import stats
from insights.templatetags.insights_tags import insights_query


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_every_page_header_links_to_insights(client, lang):
    html = client.get(f"/?lang={lang}").content.decode()
    nav = re.search(r'<nav aria-label="[^"]+">(.*?)</nav>', html, re.S).group(1)
    assert 'href="/insights/"' in nav


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/products/?province=330000&ordering=name&page=2", "/insights/?province=330000"),
        ("/cases/?theme=green-finance&lang=en", "/insights/?theme=green-finance&amp;lang=en"),
        ("/policies/?topic=green-low-carbon", "/insights/?topic=green-low-carbon"),
        # the institution list's names for the same filters; its name search means nothing there
        (
            "/institutions/?kind=city-commercial-bank&q=银行&province=330000",
            "/insights/?institution_kind=city-commercial-bank&amp;province=330000",
        ),
    ],
)
def test_lists_link_a_chart_of_what_is_filtered(client, path, expected):
    html = client.get(path).content.decode()
    assert f'<a href="{expected}">' in html


def test_insights_query_keeps_only_what_insights_understands():
    q = insights_query(
        QueryDict("kind=bank&head_office=7&q=x&page=3&ordering=name"), "directory:institution-list"
    )
    assert q.dict() == {"institution_kind": "bank", "institution": "7"}
    assert insights_query(QueryDict("q=x&date_after=&page=2")).dict() == {"q": "x"}


@pytest.mark.django_db
def test_region_pages_link_their_insights(client):
    assert 'href="/insights/?province=330000"' in client.get("/regions/330000/").content.decode()
    assert 'href="/insights/?city=330100"' in client.get("/regions/330100/").content.decode()
    response = client.get("/insights/?city=330100")
    assert response.status_code == 200 and not response.context["errors"]


def test_every_month_keeps_the_gaps():
    months = stats._every_month([dt.date(2018, 4, 1), dt.date(2018, 6, 1), dt.date(2019, 1, 1)])
    assert [m.strftime("%Y-%m") for m in months] == [
        "2018-04", "2018-05", "2018-06", "2018-07", "2018-08", "2018-09",
        "2018-10", "2018-11", "2018-12", "2019-01",
    ]  # fmt: skip


@pytest.mark.django_db
def test_month_and_year_axes_are_continuous_and_overlaps_not_stacked(client):
    charts = {c.slug: c for c in client.get("/insights/?lang=en").context["charts"]}
    for slug in ("cases-by-category", "cases-by-theme"):
        axis = [dt.date.fromisoformat(m + "-01") for m in charts[slug].categories]
        assert axis == stats._every_month(axis), slug
        # the table lists only months with cases, all of them on the axis
        assert {r[0] for r in charts[slug].rows} <= set(charts[slug].categories)
    years = [int(y) for y in charts["policies-by-topic"].categories]
    assert years == list(range(years[0], years[-1] + 1))
    assert charts["cases-by-category"].kind == "stacked"  # a case has one category
    assert charts["policies-by-level"].kind == "stacked"  # a notice has one level
    topics = charts["policies-by-topic"]
    assert topics.kind == "grouped" and charts["cases-by-theme"].kind == "grouped"
    marks = sum(d["value"] for s in topics.series for d in s["data"])
    assert f"{marks} topic marks" in topics.note


def test_a_chart_of_one_row_or_only_zeros_is_not_drawn():
    one = stats.Chart(slug="x", title="x", columns=["a", "n"], rows=[["a", 5]], urls=["/"])
    zeros = stats.Chart(slug="x", title="x", columns=["a", "n"], rows=[["a", 0], ["b", 0]], urls=["/", "/"])
    two = stats.Chart(slug="x", title="x", columns=["a", "n"], rows=[["a", 0], ["b", 3]], urls=["/", "/"])
    assert not one.drawable and not zeros.drawable and two.drawable


@pytest.mark.django_db
def test_one_row_chart_has_a_table_but_no_chart(client):
    html = client.get("/insights/?province=460000").content.decode()
    chart = next(c for c in client.get("/insights/?province=460000").context["charts"] if len(c.rows) == 1)
    assert f'id="chart-{chart.slug}"' not in html
    assert f'id="{chart.slug}-h"' in html


@pytest.mark.django_db
def test_filters_from_a_list_are_kept_and_named(client):
    response = client.get("/insights/?institution_kind=city-commercial-bank&province=370000")
    carried = {c["name"]: c["values"] for c in response.context["carried"]}
    assert carried == {"institution_kind": ["city-commercial-bank"]}  # province is on the form
    html = response.content.decode()
    assert '<input type="hidden" name="institution_kind" value="city-commercial-bank">' in html
    assert 'data-start-province="370000"' in html  # the map opens drilled into the province
