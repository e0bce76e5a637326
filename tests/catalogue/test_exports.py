"""Exports are DRF renderers, and a web list's file is headed in the page's language only: English
headers carry no Chinese, Chinese headers no English words. The API keeps its field paths."""

import csv
import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook
from rest_framework.test import APIClient

from catalogue.api.exports import CSVRenderer, ExportRenderer, XLSXRenderer
from products.api import CaseViewSet

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff]")
LISTS = ["cases", "products", "policies", "institutions"]


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def csv_header(path: str, lang: str) -> list[str]:
    response = Client().get(f"/{path}/export.csv?lang={lang}")
    assert response.status_code == 200
    return next(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


def xlsx_header(path: str, lang: str) -> list[str]:
    response = Client().get(f"/{path}/export.xlsx?lang={lang}")
    return [c.value for c in load_workbook(io.BytesIO(body(response)), read_only=True).active[1]]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("read", [csv_header, xlsx_header])
def test_web_exports_are_headed_in_the_page_language_only(path, read):
    english, chinese = read(path, "en"), read(path, "zh-hans")
    assert len(english) == len(chinese) > 5
    for header in english:
        assert not CJK.search(header) and header[0].isupper(), header
    for header in chinese:
        # Every part of a nested column ("机构 · 名称") is Chinese; no English word survives.
        for part in header.split(" · "):
            assert CJK.search(part), f"{path}: {header!r} in a Chinese export"


def test_a_nested_column_is_named_by_each_level_in_one_language():
    english, chinese = csv_header("cases", "en"), csv_header("cases", "zh-hans")
    i = english.index("Institution · Head office · Name")
    assert chinese[i] == "机构 · 总行 · 名称"


def test_api_exports_keep_their_field_paths_whatever_the_language():
    for lang in ("en", "zh-hans"):
        response = APIClient().get("/api/v1/cases/?format=csv", HTTP_ACCEPT_LANGUAGE=lang)
        header = next(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
        assert {"id", "institution.head_office.name", "province.code", "sources"} <= set(header)


def test_the_viewset_negotiates_export_renderers_and_lets_them_write():
    renderers = CaseViewSet(action="list").get_renderers()
    exporters = [r for r in renderers if isinstance(r, ExportRenderer)]
    assert {type(r) for r in exporters} == {CSVRenderer, XLSXRenderer}
    # DRF's own entry point renders a list of flat objects too.
    text = CSVRenderer().render([{"a": "=1", "b": 2}]).decode()
    assert text == "\ufeffa,b\r\n'=1,2\r\n"
