"""Defect 2 of issue 8: cached facet counts and home-page figures are keyed by the catalogue's
version, so an edit of anything those pages show must move the version and show at once, not an
hour later. Each test warms the cache first, edits as a curator would (a model save), and reads
again without clearing the cache."""

from __future__ import annotations

import re

import pytest

from catalogue.models import Status
from institutions.models import Institution, Metric
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def facet_count(html: str, facet: str, value: str) -> int:
    found = re.search(
        rf'data-facet="{facet}" data-value="{re.escape(value)}"[^>]*>[^<]*</a> <span class="n">(\d+)', html
    )
    return int(found.group(1)) if found else 0


HOME_TOTALS = ("products", "cases", "policies", "institutions", "metrics")  # the order the page lists them


def home_total(html: str, name: str) -> int:
    block = re.search(r'<ul class="totals".*?</ul>', html, re.S).group(0)
    return dict(zip(HOME_TOTALS, map(int, re.findall(r"<strong>(\d+)</strong>", block)), strict=True))[name]


def test_changing_an_institutions_kind_shows_at_once_in_the_facet_counts(client):
    city, rural = Institution.Kind.CITY_COMMERCIAL_BANK, Institution.Kind.RURAL_COMMERCIAL_BANK
    html = client.get("/institutions/").content.decode()  # warms the facet cache
    before = facet_count(html, "kind", city), facet_count(html, "kind", rural)
    assert before[0] >= 1

    bank = Institution.objects.filter(kind=city).first()
    bank.kind = rural
    bank.save()

    html = client.get("/institutions/").content.decode()
    assert (facet_count(html, "kind", city), facet_count(html, "kind", rural)) == (
        before[0] - 1,
        before[1] + 1,
    )


def test_home_totals_follow_a_withdrawn_metric_and_a_new_institution(client):
    html = client.get("/").content.decode()  # warms the figures cache
    metrics, institutions = home_total(html, "metrics"), home_total(html, "institutions")
    assert metrics == Metric.objects.published().count() > 0

    metric = Metric.objects.published().first()
    metric.status = Status.WITHDRAWN
    metric.save()
    html = client.get("/").content.decode()
    assert home_total(html, "metrics") == metrics - 1

    InstitutionFactory()
    html = client.get("/").content.decode()
    assert home_total(html, "institutions") == institutions + 1
