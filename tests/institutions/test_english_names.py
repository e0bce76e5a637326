"""Every institution has an English name, and says how it was obtained: its own (official), composed
from its head office, place and kind, or transliterated; English lists sort by it."""

import json
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Count
from rest_framework.test import APIClient

from institutions.english import COMPOSED, OFFICIAL, TRANSLITERATED, Composer
from institutions.models import Institution, Region
from loader.fixtures import load_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def composer() -> Composer:
    return Composer(Region.objects.values_list("name", "short_name", "name_en", "level"))


@pytest.mark.parametrize(
    "name, head, head_en, english",
    [
        ("兴业银行郑州分行", "兴业银行", "Industrial Bank", "Industrial Bank Zhengzhou Branch"),
        (
            "工商银行常州武进支行",
            "工商银行",
            "Industrial and Commercial Bank of China",
            "Industrial and Commercial Bank of China Changzhou Wujin Sub-branch",
        ),
        (
            "农发行固阳县支行",
            "农发行",
            "Agricultural Development Bank of China",
            "Agricultural Development Bank of China Guyang County Sub-branch",
        ),
        (
            "中国人民银行深圳中心支行",
            "中国人民银行",
            "People's Bank of China",
            "People's Bank of China Shenzhen Central Sub-branch",
        ),
        (
            "江门工商银行",
            "工商银行",
            "Industrial and Commercial Bank of China",
            "Industrial and Commercial Bank of China Jiangmen Branch",
        ),
        (
            "江苏省人民政府办公厅",
            "江苏省人民政府",
            "People's Government of Jiangsu Province",
            "General Office of the People's Government of Jiangsu Province",
        ),
    ],
)
def test_a_branch_is_its_head_office_its_places_and_branch_or_sub_branch(
    composer, name, head, head_en, english
):
    found = composer.compose(name, head_names=[head], head_en=head_en)
    assert (found.text, found.method) == (english, COMPOSED)


@pytest.mark.parametrize(
    "name, english",
    [
        ("江苏省财政厅", "Department of Finance of Jiangsu Province"),
        ("北京市人民政府", "People's Government of Beijing Municipality"),
        ("广西壮族自治区人民政府", "People's Government of Guangxi Zhuang Autonomous Region"),
        ("上海市普陀区人民政府", "People's Government of Putuo District, Shanghai"),
        ("中共四川省委", "CPC Sichuan Provincial Committee"),
        ("山东沂水农村商业银行", "Shandong Yishui Rural Commercial Bank"),
        ("盂县农商银行", "Yu County Rural Commercial Bank"),
    ],
)
def test_bodies_and_local_banks_are_composed_from_place_and_kind(composer, name, english):
    found = composer.compose(name)
    assert (found.text, found.method) == (english, COMPOSED)


def test_a_name_without_an_english_part_is_marked_as_transliterated(composer):
    found = composer.compose("润昌农商银行")
    assert (found.text, found.method) == ("Runchang Rural Commercial Bank", TRANSLITERATED)
    found = composer.compose("深圳星火")
    assert (found.text, found.method) == ("Shenzhen Xinghuo", TRANSLITERATED)


def _fixture_english() -> dict[str, str]:
    """The English names the curated files give (each an institution's own)."""
    fixtures = Path(settings.FIXTURES_DIR)
    defs = json.loads((fixtures / "institutions.json").read_text(encoding="utf-8"))
    for path in (fixtures / "parts").glob("*.json"):
        defs += json.loads(path.read_text(encoding="utf-8")).get("institutions", [])
    return {d["name"]: d["name_en"] for d in defs if d.get("name_en")}


def test_every_institution_has_an_english_name_and_its_method():
    assert not Institution.objects.filter(name_en="").exists()
    assert not Institution.objects.filter(name_en_method="").exists()
    own = _fixture_english()
    for inst in Institution.objects.all():
        assert not re.search(r"[\u3400-\u9fff]", inst.name_en), inst.name_en
        if inst.name in own:
            assert (inst.name_en, inst.name_en_method) == (own[inst.name], OFFICIAL)
        else:
            assert inst.name_en_method in (COMPOSED, TRANSLITERATED), inst.name
    by_method = dict(Institution.objects.values_list("name_en_method").annotate(n=Count("id")))
    # Most are the institution's own name or composed; pinyin only where nothing better exists.
    assert by_method[TRANSLITERATED] <= 10 < by_method[OFFICIAL] and by_method[COMPOSED] > 100


def test_a_composed_branch_name_starts_with_its_head_offices_english_name():
    branches = Institution.objects.filter(kind="branch", name_en_method=COMPOSED).select_related(
        "head_office"
    )
    assert branches.count() > 50
    for branch in branches:
        assert branch.name_en.startswith(branch.head_office.name_en), branch.name
        assert branch.name_en.endswith(("Branch", "Sub-branch", "Office")), branch.name_en


def test_an_english_name_corrected_by_a_curator_survives_a_reload(tmp_path):
    inst = Institution.objects.get(name="兴业银行郑州分行")
    inst.name_en = "Industrial Bank Co., Ltd. Zhengzhou Branch"
    inst.save()
    copy = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, copy)
    report = load_catalogue(copy)
    inst.refresh_from_db()
    assert inst.name_en == "Industrial Bank Co., Ltd. Zhengzhou Branch"
    assert any(c.key == inst.name and c.field == "name_en" for c in report.conflicts)
    # And a second load with nothing changed writes nothing.
    assert load_catalogue(copy).updated["institution"] == 0


def _names(html: str) -> list[str]:
    return re.findall(r'<tr><td><a href="/institutions/\d+/">([^<]+)</a>', html)


def test_the_english_list_is_ordered_by_the_english_name(client):
    html = client.get("/institutions/?lang=en&page_size=100").content.decode()
    names = [n.replace("&#x27;", "'") for n in _names(html)]
    assert len(names) == 100 and names == sorted(names, key=str.casefold), names[:10]
    chinese = _names(client.get("/institutions/?lang=zh-hans&page_size=100").content.decode())
    expected = list(Institution.objects.order_by("name_sort", "name").values_list("name", flat=True)[:100])
    assert chinese == expected


@pytest.mark.parametrize("query", ["lang=en", "lang=en&ordering=name", "lang=en&ordering=-name"])
def test_the_api_orders_by_the_english_name_in_english(query):
    body = APIClient().get(f"/api/v1/institutions/?{query}&page_size=100").json()
    names = [r["name_en"] for r in body["results"]]
    wanted = sorted(names, key=str.casefold, reverse=query.endswith("-name"))
    assert len(names) == 100 and names == wanted
    assert {r["name_en_method"] for r in body["results"]} <= {OFFICIAL, COMPOSED, TRANSLITERATED}


def test_the_page_says_quietly_when_an_english_name_is_not_the_institutions_own(client):
    composed = Institution.objects.get(name="兴业银行郑州分行")
    html = client.get(f"/institutions/{composed.pk}/?lang=en").content.decode()
    assert "Industrial Bank Zhengzhou Branch" in html and "not the institution" in html
    official = Institution.objects.get(name="兴业银行")
    assert "not the institution" not in client.get(f"/institutions/{official.pk}/?lang=en").content.decode()


def test_the_two_orders_have_their_own_validators():
    """A copy of the Chinese-ordered list is not current for an English request (and back)."""
    client = APIClient()
    english = client.get("/api/v1/institutions/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get("/api/v1/institutions/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert english["ETag"] != chinese["ETag"] and "Accept-Language" in english["Vary"]
    again = client.get("/api/v1/institutions/", HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=chinese["ETag"])
    assert again.status_code == 200
