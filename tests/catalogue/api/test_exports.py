"""?format=csv and ?format=xlsx on every list: same filters, every matching record, sources in a
column, streamed, and a bounded number of queries whatever the size."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from config.api_router import router
from products.models import Case
from tests.api_client import get

pytestmark = pytest.mark.django_db
PUBLIC_LISTS = [prefix for prefix, _v, _b in router.registry if prefix != "submissions"]
VIEWSETS = {prefix: viewset for prefix, viewset, _b in router.registry}


def read_csv(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff"), "a BOM, so spreadsheet software reads Chinese"
    return list(csv.DictReader(io.StringIO(text[1:])))


def read_xlsx(response) -> list[dict]:
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    header, *rows = list(sheet.values)
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.mark.parametrize("name", PUBLIC_LISTS)
def test_every_list_exports_csv_and_xlsx(api, name):
    count = get(api, f"/api/v1/{name}/").json()["count"]
    rows = read_csv(api.get(f"/api/v1/{name}/?format=csv"))
    assert len(rows) == count
    assert len(read_xlsx(api.get(f"/api/v1/{name}/?format=xlsx"))) == count


def test_case_export_has_the_filters_flattened_columns_and_sources(api):
    rows = read_csv(api.get("/api/v1/cases/?format=csv&province=430000"))
    assert len(rows) == Case.objects.published().filter(province_id="430000").count() >= 2
    assert {
        "id",
        "key",
        "amount",
        "institution.name",
        "institution.head_office.name",
        "province.code",
        "sources",
    } <= set(rows[0])
    assert all(r["province.code"] == "430000" for r in rows)
    row = next(r for r in rows if r["amount"] == "270000.00")
    assert row["currency"] == "USD" and row["institution.head_office.name"] == "交通银行"
    case = Case.objects.get(pk=row["id"])
    for source in case.sources.all():
        assert source.excerpt in row["sources"] and source.document.file_name in row["sources"]


def test_xlsx_has_typed_numbers_and_text_never_becomes_a_formula(api):
    case = Case.objects.published().filter(amount__isnull=False).first()
    Case.objects.filter(pk=case.pk).update(client='=HYPERLINK("http://evil")', summary="#N/A")
    rows = read_xlsx(api.get(f"/api/v1/cases/?format=xlsx&product={case.product_id}"))
    row = next(r for r in rows if r["id"] == case.pk)
    assert row["client"] == '=HYPERLINK("http://evil")' and row["summary"] == "#N/A"
    assert float(row["amount"]) == float(case.amount)


def test_accept_header_selects_csv_too(api):
    response = api.get("/api/v1/themes/", HTTP_ACCEPT="text/csv")
    assert len(read_csv(response)) == 5


def test_errors_in_an_export_are_problem_json(api):
    response = api.get("/api/v1/cases/?format=csv&province=999999")
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"


def test_unknown_format_is_a_404_problem(api):
    response = api.get("/api/v1/cases/?format=pdf")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def queries(api, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url)
        b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", PUBLIC_LISTS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_queries_do_not_grow_with_rows(api, many_cases, name, fmt, django_assert_num_queries):
    # Baseline: the records changed since a moment, after touching one (modified_since costs no query).
    since = timezone.now().isoformat().replace("+", "%2B")
    model = VIEWSETS[name].queryset.model
    one = (model.objects.published() if hasattr(model.objects, "published") else model.objects).first()
    one.save()
    # Warm: row writers load their small vocabularies once per catalogue version (rows.py).
    queries(api, f"/api/v1/{name}/?format={fmt}")
    few = queries(api, f"/api/v1/{name}/?format={fmt}&modified_since={since}")
    with django_assert_num_queries(few):
        response = api.get(f"/api/v1/{name}/?format={fmt}")
        b"".join(response.streaming_content)
    assert few <= 6
