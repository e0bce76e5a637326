"""Every web list downloads its current filter as CSV, XLSX and JSON, with provenance and headers
in the page's language; XLSX dates are dates under a frozen header."""

import csv
import datetime as dt
import io
import json
import re
from html import unescape

import pytest
from openpyxl import load_workbook

from tests.catalogue.test_list_pages import total

pytestmark = pytest.mark.django_db

STATES = [
    "/cases/?province=430000",
    "/cases/?theme=green-finance&ordering=-amount",
    "/products/?category=credit",
    "/policies/?level=provincial",
    "/institutions/?kind=branch",
]


def buttons(client, url: str) -> dict[str, str]:
    html = client.get(url).content.decode()
    found = re.findall(r'<a href="([^"]+)" download data-export="(\w+)"', html)
    base = url.split("?")[0]
    return {fmt: base + unescape(href) for href, fmt in found}, total(html)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("url", STATES)
def test_each_button_exports_exactly_the_list(client, url):
    links, n = buttons(client, url)
    assert set(links) == {"csv", "xlsx", "json"}
    # The buttons carry the filters (not the page).
    query = url.split("?")[1]
    assert all(query.split("&")[0] in link for link in links.values())

    rows = list(csv.reader(io.StringIO(body(client.get(links["csv"])).decode("utf-8-sig"))))
    header, data = rows[0], rows[1:]
    assert len(data) == n
    # Headers in the page's language only (Chinese by default; tests/catalogue/test_exports.py).
    assert all(re.search(r"[\u4e00-\u9fff]", h) for h in header), header

    records = json.loads(body(client.get(links["json"])).decode())
    assert isinstance(records, list) and len(records) == n

    sheet = load_workbook(io.BytesIO(body(client.get(links["xlsx"]))), read_only=False).active
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row - 1 == n


def test_case_exports_carry_provenance_and_typed_dates(client):
    links, n = buttons(client, "/cases/?province=430000")
    header, *rows = list(csv.reader(io.StringIO(body(client.get(links["csv"])).decode("utf-8-sig"))))
    sources = header.index("来源")
    assert all(r[sources] for r in rows), "every case cites its source"
    sheet = load_workbook(io.BytesIO(body(client.get(links["xlsx"])))).active
    head = [c.value for c in sheet[1]]
    date_col = head.index("日期")
    dates = [row[date_col].value for row in sheet.iter_rows(min_row=2) if row[date_col].value]
    assert dates and all(isinstance(d, dt.datetime | dt.date) for d in dates)


def test_a_bad_filter_is_a_400_in_words(client):
    response = client.get("/cases/export.csv?date_after=2024-13-40")
    assert response.status_code == 400
    assert "date_after" not in response.content.decode()
    assert client.get("/cases/export.pdf").status_code == 404
