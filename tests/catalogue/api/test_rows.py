"""The row writers of the case and product endpoints (catalogue/api/rows.py) write exactly what
their serializers write, for every published record of the fixture catalogue, in list, cursor and
detail; and their in-process vocabulary maps follow a change at once."""

import json

import pytest
from django.db.models import F

from catalogue.api.rows import VersionedMap
from institutions.models import Institution, Region
from products.models import Case, Category, Product
from products.serializers import CaseSerializer, ProductSerializer
from tests.api_client import get

pytestmark = pytest.mark.django_db

RESOURCES = [
    ("cases", Case, CaseSerializer, [F("date").desc(nulls_last=True), "-id"]),
    ("products", Product, ProductSerializer, ["name_sort", "name", "id"]),
]


@pytest.fixture(autouse=True)
def no_response_cache(settings):
    settings.API_RESPONSE_CACHE_SECONDS = 0


def as_json(data):
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def walk(api, url: str) -> list[dict]:
    rows = []
    while url:
        body = get(api, url).json()
        rows += body["results"]
        url = body["next"]
    return rows


@pytest.mark.parametrize(("name", "model", "serializer", "order"), RESOURCES)
def test_lists_and_details_match_the_serializer(api, name, model, serializer, order):
    records = list(model.objects.for_listing().published().order_by(*order))
    assert len(records) > 5  # the fixture catalogue, with and without optional references
    expected = as_json(serializer(records, many=True).data)
    assert walk(api, f"/api/v1/{name}/?page_size=7") == expected
    by_id = {r["id"]: r for r in expected}
    assert {r["id"]: r for r in walk(api, f"/api/v1/{name}/?mode=cursor&page_size=7")} == by_id
    for record in records[:: max(1, len(records) // 10)]:
        assert get(api, f"/api/v1/{name}/{record.pk}/").json() == by_id[record.pk]


def test_the_writers_cover_absent_references(api):
    # The fixture catalogue has cases without a city and products without an institution: the
    # writers' None branches are exercised by the comparison above, not assumed.
    assert Case.objects.published().filter(city__isnull=True).exists()
    assert Case.objects.published().filter(amount__isnull=True).exists()
    assert Product.objects.published().filter(institution__isnull=True).exists()


def test_vocabulary_maps_follow_a_rename(api):
    case = (
        Case.objects.published()
        .select_related("institution", "province", "product__category")
        .filter(province__isnull=False)
        .first()
    )
    get(api, f"/api/v1/cases/{case.pk}/")  # the maps are built for this version
    institution = Institution.objects.get(pk=case.institution_id)
    institution.name = "改名后的银行"
    institution.save()  # `modified` moves: a new catalogue version
    region = Region.objects.get(pk=case.province_id)
    region.name = "改名省"
    region.save()
    category = Category.objects.get(pk=case.product.category_id)
    category.name = "改名类别"
    category.save()
    body = get(api, f"/api/v1/cases/{case.pk}/").json()
    assert body["institution"]["name"] == "改名后的银行"
    assert body["province"]["name"] == "改名省"
    assert body["product"]["category"]["name"] == "改名类别"
    listed = {r["id"]: r for r in walk(api, "/api/v1/cases/?page_size=500")}
    assert listed[case.pk]["institution"]["name"] == "改名后的银行"


def test_a_versioned_map_is_read_again_for_a_key_added_under_the_same_version():
    rows = {1: "a"}
    builds = []

    def build():
        builds.append(1)
        return dict(rows)

    refs = VersionedMap(build)
    assert refs.get("v1", {1, None}) == {1: "a"}
    assert refs.get("v1", {1}) == {1: "a"} and len(builds) == 1  # same version: no rebuild
    rows[2] = "b"  # added after this request read the version
    assert refs.get("v1", {1, 2})[2] == "b" and len(builds) == 2
    assert refs.get("v2")[2] == "b" and len(builds) == 3


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("name", "model", "serializer", "order"), RESOURCES)
def test_exports_written_by_the_row_writers_match_the_serializers(name, model, serializer, order, fmt):
    """Exports write their rows with the row writers (exports.py): byte for byte what the
    serializer path writes, CSV and XLSX alike (the XLSX cells compared, not its zip bytes)."""
    import io

    from openpyxl import load_workbook

    from catalogue.api.exports import export_response
    from catalogue.versioning import catalogue_version
    from products.api import write_cases, write_products

    writer = write_cases if model is Case else write_products
    queryset = model.objects.for_listing().published().order_by(*order)

    def body(write) -> bytes:
        qs = queryset.select_related(None).prefetch_related(None) if write else queryset
        response = export_response(
            queryset=qs, serializer_class=serializer, context={}, fmt=fmt, name=name, write=write
        )
        return b"".join(response.streaming_content)

    by_writer = body(lambda chunk: writer(chunk, catalogue_version()))
    by_serializer = body(None)
    if fmt == "csv":
        assert by_writer == by_serializer and by_writer.count(b"\n") > 5
    else:
        cells = [
            [[c.value for c in row] for row in load_workbook(io.BytesIO(b), read_only=True).active.rows]
            for b in (by_writer, by_serializer)
        ]
        assert cells[0] == cells[1] and len(cells[0]) > 5
