"""The fixture loader never overwrites what a curator changed, and `make run` loads only when
fixtures/ changed (load_catalogue --if-changed)."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from institutions.models import Institution
from loader.fixtures import fixtures_changed, load_catalogue
from loader.models import FixtureLoad
from products.models import Case


@pytest.fixture
def fixtures_copy(tmp_path: Path) -> Path:
    """A private copy of fixtures/ that a test may edit."""
    target = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, target)
    return target


def _edit_case(fixtures_dir: Path, key: str, **changes) -> None:
    for path in (fixtures_dir / "parts").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for rec in data.get("cases", []):
            if rec["key"] == key:
                rec.update(changes)
                path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
                return
    raise AssertionError(f"no case {key}")


@pytest.mark.django_db
def test_a_client_name_corrected_in_the_admin_survives_a_reload_and_is_reported():
    case = Case.objects.exclude(client="").order_by("key").first()
    written = case.client
    case.client = "某数据科技有限公司（策展人核实）"
    case.save()

    report = load_catalogue(settings.FIXTURES_DIR)

    case.refresh_from_db()
    assert case.client == "某数据科技有限公司（策展人核实）"
    conflict = next(c for c in report.conflicts if c.key == case.key and c.field == "client")
    assert conflict.fixture == written
    assert conflict.current == "某数据科技有限公司（策展人核实）"
    assert "curators kept" in str(report)


@pytest.mark.django_db
def test_a_field_nobody_touched_still_follows_the_fixtures(fixtures_copy: Path):
    case = Case.objects.exclude(client="").order_by("key").first()
    _edit_case(fixtures_copy, case.key, client="更正后的客户描述")

    report = load_catalogue(fixtures_copy)

    case.refresh_from_db()
    assert case.client == "更正后的客户描述"
    assert not [c for c in report.conflicts if c.key == case.key]


@pytest.mark.django_db
def test_a_branch_moved_by_a_curator_stays_where_the_curator_put_it():
    from institutions.services import institution_set_parent

    branch = Institution.objects.filter(parent__isnull=False, parent__parent__isnull=True).order_by("name")[0]
    other = Institution.objects.filter(parent__isnull=True, kind="joint-stock-bank").exclude(
        pk=branch.parent_id
    )[0]
    institution_set_parent(institution=branch, parent=other)

    report = load_catalogue(settings.FIXTURES_DIR)

    branch.refresh_from_db()
    assert (branch.parent, branch.head_office) == (other, other)
    assert any(c.key == branch.name and c.field == "parent" for c in report.conflicts)


@pytest.mark.django_db
def test_if_changed_loads_only_when_fixtures_changed(fixtures_copy: Path):
    # The session already loaded these very files: a byte-identical copy needs no load.
    loads = FixtureLoad.objects.count()
    out = StringIO()
    call_command("load_catalogue", "--fixtures", str(fixtures_copy), "--if-changed", stdout=out)
    assert "nothing to do" in out.getvalue()
    assert FixtureLoad.objects.count() == loads

    case = Case.objects.order_by("key").first()
    _edit_case(fixtures_copy, case.key, client="新的客户描述")
    assert fixtures_changed(fixtures_copy)
    out = StringIO()
    call_command("load_catalogue", "--fixtures", str(fixtures_copy), "--if-changed", stdout=out)
    assert "catalogue loaded" in out.getvalue()
    case.refresh_from_db()
    assert case.client == "新的客户描述"

    out = StringIO()
    call_command("load_catalogue", "--fixtures", str(fixtures_copy), "--if-changed", stdout=out)
    assert "nothing to do" in out.getvalue()
