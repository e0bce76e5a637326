"""The admin as a curator works in it: filters of regions in use, labels in one language, amounts
typed with their unit, constraint messages in words, and one place rule (a city inside its
province) in the admin forms, the report importer and partner submissions alike."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import translation

from institutions.models import Region
from institutions.places import check_places
from products.admin import AmountWidget
from products.models import Case

pytestmark = pytest.mark.django_db

SHANGHAI, CHANGSHA, HUNAN, YUELU, PUDONG = "310000", "430100", "430000", "430104", "310115"


@pytest.fixture
def curator(client):
    client.force_login(User.objects.create_superuser("curator", "c@example.com", "pw"))
    return client


def _lang(client, code: str) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code


def _case_form(case: Case, **changes) -> dict:
    """The change form's POST data for `case`, as the page would send it, with `changes`."""
    data = {
        "key": case.key,
        "status": case.status,
        "product": case.product_id,
        "institution": case.institution_id,
        "date": case.date.isoformat() if case.date else "",
        "amount_0": "",
        "amount_1": "1",
        "currency": case.currency,
        "term_months": case.term_months or "",
        "client": case.client,
        "province": case.province_id or "",
        "city": case.city_id or "",
        "district": case.district_id or "",
        "milestone": case.milestone,
        "summary": case.summary,
        "sources-TOTAL_FORMS": "0",
        "sources-INITIAL_FORMS": "0",
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def _errors(html: str) -> str:
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S))


# -- the one place rule


def test_check_places_names_the_field_and_the_places():
    regions = Region.objects.in_bulk([SHANGHAI, CHANGSHA, HUNAN, YUELU, PUDONG])
    check_places(regions[HUNAN], regions[CHANGSHA], regions[YUELU])
    check_places(regions[SHANGHAI], None, regions[PUDONG])  # a municipality's district, no city
    check_places(None, None, None)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        check_places(regions[SHANGHAI], regions[CHANGSHA], None)
    assert exc.value.message_dict == {"city": ["长沙市不在上海市境内。"]}
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        check_places(regions[HUNAN], regions[CHANGSHA], regions[PUDONG])
    assert exc.value.message_dict == {"district": ["浦东新区 is not in 长沙市."]}
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        check_places(regions[CHANGSHA], None, None)
    assert exc.value.message_dict == {"province": ["长沙市 is not a province."]}


def test_admin_refuses_a_city_outside_its_province(curator):
    case = Case.objects.exclude(amount=None).select_related("province").first()
    url = f"/admin/products/case/{case.pk}/change/"
    _lang(curator, "zh-hans")
    page = curator.post(url, _case_form(case, province=SHANGHAI, city=CHANGSHA, district=""))
    assert page.status_code == 200  # the form again, with the error, not a redirect
    assert "长沙市不在上海市境内。" in _errors(page.content.decode())
    case.refresh_from_db()
    assert case.city_id != CHANGSHA


def test_full_clean_applies_the_place_rule_and_constraint_messages_in_words():
    case = Case.objects.exclude(amount=None).first()
    case.province_id, case.city_id, case.district_id = SHANGHAI, CHANGSHA, None
    case.amount = Decimal("-5")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        case.full_clean()
    messages = exc.value.message_dict
    assert messages["city"] == ["长沙市不在上海市境内。"]
    assert "金额不能为负数。" in messages["__all__"]
    assert not any("约束" in m for m in exc.value.messages)
    case.refresh_from_db()
    case.currency = ""
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        case.full_clean()
    assert exc.value.messages == ["An amount needs its currency as a three-letter ISO 4217 code (CNY)."]


def test_importer_accept_holds_an_edited_draft_to_the_place_rule(tmp_path, settings, seeds_dir):
    """A draft a curator edited into 上海市 + 长沙市 is not published; the admin says why."""
    from django.core.files.base import ContentFile

    from loader.models import ImportItem
    from loader.services import ReportImportError, import_item_accept, report_import_create
    from loader.tasks import import_report_task

    settings.MEDIA_ROOT = str(tmp_path)
    data = (seeds_dir / "003_6aa2ce7c6a878419.txt").read_bytes()
    # A copy under another name whose rows the catalogue lacks is not needed: any CREATE item will do,
    # and 003 against the full catalogue still queues some (branches, rows not curated).
    imp = report_import_create(file=ContentFile(data, name="003-copy.txt"))
    import_report_task.delay(imp.pk).get()
    item = ImportItem.objects.filter(
        report_import=imp, kind="case", action=ImportItem.Action.CREATE, decision="pending"
    ).first()
    if item is None:
        pytest.skip("003 queued no new case against the full catalogue")
    Case.objects.filter(pk=item.record_id).update(province_id=SHANGHAI, city_id=CHANGSHA, district_id=None)
    with translation.override("zh-hans"), pytest.raises(ReportImportError, match="长沙市不在上海市境内"):
        import_item_accept(item=item)
    item.refresh_from_db()
    assert item.decision == ImportItem.Decision.PENDING
    assert Case.objects.get(pk=item.record_id).status == "draft"


# -- amounts with their unit


@pytest.mark.parametrize(
    "typed, unit, stored",
    [("1.2", "100000000", "120000000.00"), ("500", "10000", "5000000.00"), ("1 234.5", "1", "1234.50")],
)
def test_amount_is_typed_with_its_unit(curator, typed, unit, stored):
    case = Case.objects.exclude(amount=None).first()
    url = f"/admin/products/case/{case.pk}/change/"
    page = curator.post(url, _case_form(case, amount_0=typed, amount_1=unit))
    assert page.status_code == 302, _errors(page.content.decode())
    case.refresh_from_db()
    assert case.amount == Decimal(stored)


def test_a_negative_amount_says_so_in_the_active_language(curator):
    case = Case.objects.exclude(amount=None).first()
    url = f"/admin/products/case/{case.pk}/change/"
    for lang, message in (("zh-hans", "金额不能为负数。"), ("en", "The amount cannot be negative.")):
        _lang(curator, lang)
        page = curator.post(url, _case_form(case, amount_0="-3", amount_1="10000"))
        assert page.status_code == 200 and message in _errors(page.content.decode())


def test_stored_amounts_show_in_their_largest_exact_unit():
    widget = AmountWidget()
    assert widget.decompress(Decimal("120000000.00")) == ["1.2", "100000000"]
    assert widget.decompress(Decimal("5000000")) == ["500", "10000"]
    assert widget.decompress(Decimal("1234.50")) == ["1234.5", "1"]
    assert widget.decompress(None) == [None, "1"]


# -- lists and labels


def test_province_filter_lists_only_regions_in_use(curator):
    page = curator.get("/admin/products/case/")
    html = page.content.decode()
    assert page.status_code == 200
    used = set(Case.objects.exclude(province=None).values_list("province", flat=True))
    listed = set(re.findall(r'href="\?province=(\d{6})"', html))
    assert listed == used
    assert len(html) < 150_000, len(html)
    code = sorted(used)[0]
    filtered = curator.get("/admin/products/case/", {"province": code})
    n = Case.objects.filter(province=code).count()
    # The admin's own result count ("7 条结果"), which must be the cases of that province.
    shown = re.search(r'class="small quiet">(\d+) ', filtered.content.decode())
    assert n > 0 and shown and int(shown.group(1)) == n


@pytest.mark.parametrize("url", ["/admin/products/case/", "/admin/products/product/add/"])
def test_labels_are_in_one_language_at_a_time(curator, url):
    _lang(curator, "zh-hans")
    zh = curator.get(url).content.decode()
    for english in ("Publish selected", "Product source", "PRODUCT SOURCES", "Case source", "Withdraw"):
        assert english not in zh
    _lang(curator, "en")
    en = curator.get(url).content.decode()
    for chinese in ("添加另一个", "发布所选", "来源", "省份"):
        assert chinese not in en
    if url.endswith("case/"):
        assert "发布所选案例" in zh and "Publish the selected cases" in en
    else:
        assert "来源" in zh and "Sources" in en
