"""The loader: counts per document part match fixtures/README.md; a second run changes nothing."""

import json

import pytest
from django.conf import settings
from django.db.models import Count

from institutions.models import Institution, InstitutionAlias, Metric, MetricSource, Region
from loader.fixtures import CatalogueDataError, load_catalogue
from policies.models import Policy, PolicySource
from products.models import Case, CaseSource, Category, Product, ProductSource
from tests.fixture_data import KINDS, part_files, readme_counts

SOURCES = {"products": ProductSource, "cases": CaseSource, "policies": PolicySource, "metrics": MetricSource}
FK = {"products": "product", "cases": "case", "policies": "policy", "metrics": "metric"}


def loaded_counts() -> dict[tuple[str, str], dict[str, int]]:
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for kind, model in SOURCES.items():
        rows = (
            model.objects.values("document__file_name", "part")
            .annotate(n=Count(FK[kind], distinct=True))
            .values_list("document__file_name", "part", "n")
        )
        for doc, part, n in rows:
            counts.setdefault((doc, part), dict.fromkeys(KINDS, 0))[kind] = n
    return counts


@pytest.mark.django_db
def test_counts_per_document_part_equal_the_readme_table():
    expected = readme_counts()
    assert len(expected) >= 15, "fixtures/README.md should tabulate every document part"
    assert loaded_counts() == expected


@pytest.mark.django_db
def test_readme_table_covers_every_document(seeds_dir):
    docs = {doc for doc, _part in readme_counts()}
    assert docs == {p.name for p in seeds_dir.glob("*.txt")}
    assert len(docs) == 5


@pytest.mark.django_db
def test_readme_table_equals_the_counts_read_from_the_text():
    """The README table is the sum of each part file's `expected` (counted from the documents)."""
    summed: dict[tuple[str, str], dict[str, int]] = {}
    for path in part_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        for part, counts in data["expected"].items():
            row = summed.setdefault((data["document"], part), dict.fromkeys(KINDS, 0))
            for kind, n in counts.items():
                row[kind] += n
    assert summed == readme_counts()


def snapshot():
    out = {}
    for model in (Product, Case, Policy, Metric):
        out[model.__name__] = dict(model.objects.values_list("key", "id"))
        out[model.__name__ + ".modified"] = dict(model.objects.values_list("key", "modified"))
    for model in (ProductSource, CaseSource, PolicySource, MetricSource, InstitutionAlias):
        out[model.__name__] = sorted(model.objects.values_list("id", flat=True))
    out["Institution"] = dict(Institution.objects.values_list("name", "id"))
    out["Region"] = Region.objects.count()
    out["Category"] = dict(Category.objects.values_list("slug", "id"))
    return out


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    before = snapshot()
    report = load_catalogue(settings.FIXTURES_DIR)
    assert sum(report.created.values()) == 0 and sum(report.updated.values()) == 0, str(report)
    assert snapshot() == before


@pytest.mark.django_db
def test_a_curators_status_survives_a_reload():
    product = Product.objects.order_by("key").first()
    product.status = "withdrawn"
    product.save()
    load_catalogue(settings.FIXTURES_DIR)
    product.refresh_from_db()
    assert product.status == "withdrawn"


@pytest.mark.django_db
def test_a_changed_fixture_updates_only_that_record(tmp_path):
    import shutil

    shutil.copytree(settings.FIXTURES_DIR, tmp_path / "fx")
    path = sorted((tmp_path / "fx" / "parts").glob("003_ch1*.json"))[0]
    data = json.loads(path.read_text(encoding="utf-8"))
    key = data["products"][0]["key"]
    data["products"][0]["description"] = "改过的描述"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = snapshot()
    report = load_catalogue(tmp_path / "fx")
    assert report.updated["product"] == 1
    assert Product.objects.get(key=key).description == "改过的描述"
    after = snapshot()
    assert after["Product"] == before["Product"]
    changed = [k for k, v in after["Product.modified"].items() if v != before["Product.modified"][k]]
    assert changed == [key]


@pytest.mark.django_db
def test_a_bad_file_is_refused_with_a_message_and_loads_nothing(tmp_path):
    import shutil

    shutil.copytree(settings.FIXTURES_DIR, tmp_path / "fx")
    path = sorted((tmp_path / "fx" / "parts").glob("*.json"))[0]
    data = json.loads(path.read_text(encoding="utf-8"))
    (data.get("cases") or data["policies"])[0]["province"] = "火星省"
    data["products"] and data["products"][0].update(description="不应写入")
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = snapshot()
    with pytest.raises(CatalogueDataError, match="火星省"):
        load_catalogue(tmp_path / "fx")
    assert snapshot() == before


@pytest.mark.django_db
def test_a_changed_source_or_theme_moves_modified(tmp_path):
    """Partners sync on `modified`, so a record whose sources or themes change must show it."""
    import shutil

    shutil.copytree(settings.FIXTURES_DIR, tmp_path / "fx")
    path = sorted((tmp_path / "fx" / "parts").glob("003_ch1*.json"))[0]
    data = json.loads(path.read_text(encoding="utf-8"))
    first, second = data["products"][0], data["products"][1]
    first["sources"] = first["sources"][:1]
    first["sources"][0]["locator"] += " (re-read)"
    second["themes"] = [t for t in ("tech-finance", "green-finance") if t not in second.get("themes", [])][:1]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = snapshot()["Product.modified"]
    load_catalogue(tmp_path / "fx")
    after = snapshot()["Product.modified"]
    assert after[first["key"]] > before[first["key"]]
    assert after[second["key"]] > before[second["key"]]
    assert sum(1 for k in after if after[k] != before[k]) == 2
