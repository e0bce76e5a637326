"""Names sort by pinyin, not by code point: 三 (san), 上 (shang), 中 (zhong), 专 (zhuan)."""

import re

import pytest
from rest_framework.test import APIClient

from catalogue.pinyin import pinyin_key
from institutions.models import Institution
from policies.models import Policy
from products.models import Product

# Code point order is 三 上 专 中; pinyin order is 三 上 中 专.
CODE_POINT_ORDER = ["三", "上", "专", "中"]
PINYIN_ORDER = ["三", "上", "中", "专"]


def test_the_key_follows_the_reading():
    assert [pinyin_key(c) for c in CODE_POINT_ORDER] == ["san1", "shang4", "zhuan1", "zhong1"]
    assert sorted(CODE_POINT_ORDER, key=pinyin_key) == PINYIN_ORDER
    # A syllable's end sorts before any longer syllable: 山东 (shan) before 上海 (shang).
    assert pinyin_key("山东") < pinyin_key("上海")


@pytest.fixture
def four_institutions(db):
    return [
        Institution.objects.create(name=f"{c}测排序银行", kind=Institution.Kind.CITY_COMMERCIAL_BANK)
        for c in CODE_POINT_ORDER
    ]


def _in_order(names: list[str], marker: str) -> list[str]:
    return [n[0] for n in names if marker in n]


@pytest.mark.django_db
def test_save_fills_the_key_also_when_only_the_name_is_updated(four_institutions):
    inst = four_institutions[0]
    assert inst.name_sort.startswith("san1")
    inst.name = "中测排序银行乙"
    inst.save(update_fields=["name"])  # how the fixture loader writes a change
    inst.refresh_from_db()
    assert inst.name_sort.startswith("zhong1")


@pytest.mark.django_db
def test_api_name_ordering_is_pinyin(four_institutions):
    rows = APIClient().get(
        "/api/v1/institutions/?ordering=name&page_size=500", HTTP_ACCEPT="application/json"
    )
    names = [r["name"] for r in rows.json()["results"]]
    assert _in_order(names, "测排序银行") == PINYIN_ORDER
    rows = APIClient().get(
        "/api/v1/institutions/?ordering=-name&page_size=500", HTTP_ACCEPT="application/json"
    )
    assert _in_order([r["name"] for r in rows.json()["results"]], "测排序银行") == PINYIN_ORDER[::-1]


@pytest.mark.django_db
def test_institution_page_lists_by_pinyin(client, four_institutions):
    html = client.get("/institutions/?q=测排序银行&ordering=name&page_size=100").content.decode()
    found = re.findall(r"([三上专中])测排序银行", html)
    assert list(dict.fromkeys(found)) == PINYIN_ORDER


@pytest.mark.django_db
def test_product_and_policy_name_sorts_are_pinyin(client):
    template = Product.objects.published().first()
    for c in CODE_POINT_ORDER:
        Product.objects.create(
            name=f"{c}测排序贷",
            key=f"pinyin-{c}",
            institution=template.institution,
            category=template.category,
            status=template.status,
        )
    html = client.get("/products/?q=测排序贷&ordering=name").content.decode()
    assert list(dict.fromkeys(re.findall(r"([三上专中])测排序贷", html))) == PINYIN_ORDER
    policy = Policy.objects.published().first()
    policy.heading = "中测排序通知"
    policy.save()
    assert Policy.objects.get(pk=policy.pk).name_sort.startswith("zhong1")


def test_serving_does_not_load_the_pinyin_dictionary():
    """pypinyin's phrase dictionary is ~50 MB per process; a web worker that only reads names must
    not load it (issue 10's memory target), only a process that writes one."""
    import subprocess
    import sys

    code = (
        "import sys, django; django.setup(); "
        "from config.wsgi import application; import config.urls; "
        "print('pypinyin' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"
    assert pinyin_key("银行").startswith("yin2")  # and writing a name still loads it on demand
