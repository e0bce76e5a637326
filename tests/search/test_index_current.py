"""The index follows every change: saves, aliases, relations, deletions, bulk status changes."""

from __future__ import annotations

import pytest
from django.db import connection

from catalogue.fulltext import query as search
from catalogue.fulltext.backends import TABLE
from catalogue.models import Status
from institutions.models import Institution, InstitutionAlias
from policies.models import Policy
from products.models import Case, Category, Product, Theme
from search import index


def found(model, q):
    qs = model.objects.all() if model is Institution else model.objects.published()
    return set(search.filter_queryset(qs, q).values_list("pk", flat=True))


def page(client, q):
    response = client.get("/search/", {"q": q})
    return {(g.kind, h.obj.pk) for g in response.context["results"].groups for h in g.hits}


@pytest.mark.django_db
def test_renamed_product_is_found_by_its_new_name_only(client):
    # A product whose old name is nowhere else in its own or its case's text (no excerpt repeats it).
    product = Product.objects.get(key="003-ch1-p30")  # 数据知识产权质押贷款
    case = Case.objects.get(key="003-ch1-c30")
    assert product.pk in found(Product, "数据知识产权质押贷款")
    product.name = "数据权益质押贷款"
    product.save()
    assert product.pk in found(Product, "数据权益质押贷款") and case.pk in found(Case, "数据权益质押贷款")
    assert product.pk not in found(Product, "数据知识产权质押贷款")
    assert case.pk not in found(Case, "数据知识产权质押贷款")
    assert ("product", product.pk) in page(client, "数据权益质押贷款")
    assert ("case", case.pk) in page(client, "数据权益质押贷款")


@pytest.mark.django_db
def test_withdrawn_record_is_not_found(client):
    case = Case.objects.get(key="003-ch1-c11")
    case.status = Status.WITHDRAWN
    case.save()
    assert case.pk not in found(Case, "民宿贷")
    assert ("case", case.pk) not in page(client, "民宿贷")


@pytest.mark.django_db
def test_bulk_withdraw_and_publish_need_no_signal(client):
    """The admin's actions use QuerySet.update(): status is read from the record, not the index."""
    product = Product.objects.get(key="003-ch4-p12")  # e钱庄7.0
    Product.objects.filter(pk=product.pk).update(status=Status.WITHDRAWN)
    assert product.pk not in found(Product, "e钱庄")
    assert ("product", product.pk) not in page(client, "e钱庄")
    Product.objects.filter(pk=product.pk).update(status=Status.PUBLISHED)
    assert product.pk in found(Product, "e钱庄")


@pytest.mark.django_db
def test_added_alias_finds_the_institution_and_its_branches_records(client):
    head = Institution.objects.get(name="中国建设银行")
    case = Case.objects.get(key="003-ch1-c36")  # at 中国建设银行上海市分行
    assert case.pk not in found(Case, "建总")
    InstitutionAlias.objects.create(institution=head, name="建总")
    assert head.pk in found(Institution, "建总")
    assert case.pk in found(Case, "建总")
    assert ("case", case.pk) in page(client, "建总")
    InstitutionAlias.objects.filter(name="建总").delete()
    assert case.pk not in found(Case, "建总")


@pytest.mark.django_db
def test_renamed_institution_reaches_branch_products():
    branch = Institution.objects.get(name="交通银行张家界分行")
    product = Product.objects.get(key="003-ch1-p11")
    branch.short_name = "交行张家界"
    branch.save()
    assert product.pk in found(Product, "交行张家界")


@pytest.mark.django_db
def test_relations_changed_through_m2m_are_indexed():
    product = Product.objects.get(key="003-ch1-p26")
    case = Case.objects.get(key="003-ch1-c26")
    pension = Theme.objects.get(slug="pension-finance")
    assert product.pk not in found(Product, "养老金融")
    product.themes.add(pension)
    assert product.pk in found(Product, "养老金融") and case.pk in found(Case, "养老金融")
    pension.products.remove(product)  # the reverse side
    assert product.pk not in found(Product, "养老金融")
    policy = Policy.objects.get(key="003-ch5a-n19")
    policy.products.add(product)
    assert policy.pk in found(Policy, "订单e贷")


@pytest.mark.django_db
def test_renamed_category_reaches_its_products_and_cases():
    category = Category.objects.get(slug="green-bill-discounting")
    category.name_en = "Eco paper rediscount"
    category.save()
    assert Product.objects.get(key="003-ch2-p18").pk in found(Product, "eco paper")
    assert Case.objects.get(key="003-ch2-c19").pk in found(Case, "eco paper")


@pytest.mark.django_db
def test_new_case_and_deleted_case():
    product = Product.objects.get(key="003-ch1-p11")
    institution = Institution.objects.get(name="交通银行张家界分行")
    case = Case.objects.create(
        key="test-new-case",
        status=Status.PUBLISHED,
        product=product,
        institution=institution,
        summary="武陵源首笔",
    )
    assert case.pk in found(Case, "武陵源")
    case.delete()
    assert not found(Case, "武陵源")
    with connection.cursor() as c:
        c.execute(f"SELECT count(*) FROM {TABLE} WHERE kind = 'case' AND object_id = %s", [case.pk or 0])
        assert c.fetchone()[0] == 0


@pytest.mark.django_db
def test_index_objects_and_remove_objects():
    product = Product.objects.get(key="003-ch1-p11")
    index.remove_objects([product])
    assert product.pk not in found(Product, "民宿贷")
    index.index_objects([product])
    assert product.pk in found(Product, "民宿贷")


@pytest.mark.django_db
def test_rebuild_matches_the_incremental_index():
    before = {k: found(m, "绿色") for k, m in (("p", Product), ("c", Case), ("n", Policy))}
    counts = index.rebuild()
    assert (
        counts["product"] == Product.objects.count() and counts["institution"] == Institution.objects.count()
    )
    assert before == {k: found(m, "绿色") for k, m in (("p", Product), ("c", Case), ("n", Policy))}


@pytest.mark.django_db
def test_rebuild_command(capsys):
    from django.core.management import call_command

    call_command("rebuild_search_index", "--kind", "policy")
    assert "policy: " in capsys.readouterr().out
    assert found(Policy, "碳达峰")
