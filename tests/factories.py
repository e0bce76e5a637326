"""factory_boy factories for the shapes the curated catalogue lacks (deep branch trees, deep
category trees, undated and unpriced cases, ambiguous names). Every record they make is explicit
test data inside the test's transaction; nothing here is presented as a real figure.

Institutions go through `institution_set_parent`, as the admin and the loader do, so `head_office`
is whatever the service makes of the parent links, never set by hand here."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth.models import User
from factory.django import DjangoModelFactory

from catalogue.models import Document, Status
from institutions.models import Institution, InstitutionAlias, Metric, MetricSource, Region
from institutions.services import institution_set_parent
from policies.models import Policy, PolicySource, Topic
from products.models import Case, CaseSource, Category, Product, ProductSource, Theme


class DocumentFactory(DjangoModelFactory):
    class Meta:
        model = Document
        skip_postgeneration_save = True
        django_get_or_create = ("file_name",)

    file_name = factory.Sequence(lambda n: f"test-document-{n}.pdf")
    title = factory.Sequence(lambda n: f"测试文件{n}")


class RegionFactory(DjangoModelFactory):
    """A province by default; pass `parent=` for a city. Codes start at 91 so they never meet
    the real GB/T 2260 codes the curated data loads."""

    class Meta:
        model = Region
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"{910000 + n * 100}")
    name = factory.Sequence(lambda n: f"测试省{n}")
    short_name = factory.LazyAttribute(lambda o: o.name[:3])
    name_en = factory.Sequence(lambda n: f"Test region {n}")
    level = factory.LazyAttribute(lambda o: Region.Level.CITY if o.parent else Region.Level.PROVINCE)
    parent = None


class InstitutionFactory(DjangoModelFactory):
    """A head office unless `parent=` is given; then a branch placed by the service."""

    class Meta:
        model = Institution
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试银行{n}")
    short_name = ""
    kind = factory.LazyAttribute(
        lambda o: Institution.Kind.BRANCH if o.parent else Institution.Kind.CITY_COMMERCIAL_BANK
    )
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        parent = kwargs.pop("parent", None)
        institution = super()._create(model_class, *args, **kwargs)
        return institution_set_parent(institution=institution, parent=parent) if parent else institution

    @factory.post_generation
    def branches(self, create: bool, extracted: int | None, **kwargs) -> None:
        """`branches=N` makes N direct branches under this institution."""
        if create and extracted:
            InstitutionFactory.create_batch(extracted, parent=self)


class AliasFactory(DjangoModelFactory):
    class Meta:
        model = InstitutionAlias
        skip_postgeneration_save = True

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"测银{n}")


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"test-category-{n}")
    name = factory.Sequence(lambda n: f"测试类别{n}")
    name_en = factory.Sequence(lambda n: f"Test category {n}")
    parent = None


class ThemeFactory(DjangoModelFactory):
    class Meta:
        model = Theme
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"test-theme-{n}")
    name = factory.Sequence(lambda n: f"测试主题{n}")
    name_en = factory.Sequence(lambda n: f"Test theme {n}")


class TopicFactory(DjangoModelFactory):
    class Meta:
        model = Topic
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"test-topic-{n}")
    name = factory.Sequence(lambda n: f"测试议题{n}")
    name_en = factory.Sequence(lambda n: f"Test topic {n}")


def _source(factory_class: type[DjangoModelFactory], owner: str) -> factory.RelatedFactory:
    """One verbatim-looking source per record, as the catalogue requires of everything published."""
    return factory.RelatedFactory(
        factory_class,
        factory_related_name=owner,
        document=factory.SubFactory(DocumentFactory),
        part="表1",
        locator=factory.Sequence(lambda n: f"表1 row {n}"),
        excerpt=factory.Sequence(lambda n: f"测试摘录第{n}条，仅用于测试用例"),
    )


class ProductSourceFactory(DjangoModelFactory):
    class Meta:
        model = ProductSource
        skip_postgeneration_save = True


class CaseSourceFactory(DjangoModelFactory):
    class Meta:
        model = CaseSource
        skip_postgeneration_save = True


class PolicySourceFactory(DjangoModelFactory):
    class Meta:
        model = PolicySource
        skip_postgeneration_save = True


class MetricSourceFactory(DjangoModelFactory):
    class Meta:
        model = MetricSource
        skip_postgeneration_save = True


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"test-product-{n}")
    status = Status.PUBLISHED
    name = factory.Sequence(lambda n: f"测试产品{n}")
    institution = factory.SubFactory(InstitutionFactory)
    category = factory.SubFactory(CategoryFactory)
    source = _source(ProductSourceFactory, "product")

    @factory.post_generation
    def themes(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.themes.set(extracted)


class CaseFactory(DjangoModelFactory):
    """A published, dated, priced case at the product's institution; pass date=None or
    amount=None (with currency="") for the undated and unpriced ones."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"test-case-{n}")
    status = Status.PUBLISHED
    product = factory.SubFactory(ProductFactory)
    institution = factory.LazyAttribute(lambda o: o.product.institution)
    date = factory.Sequence(lambda n: dt.date(2024, 1, 1) + dt.timedelta(days=n % 365))
    amount = factory.Sequence(lambda n: Decimal(1000 * (n + 1)))
    currency = factory.LazyAttribute(lambda o: "CNY" if o.amount is not None else "")
    source = _source(CaseSourceFactory, "case")


class PolicyFactory(DjangoModelFactory):
    class Meta:
        model = Policy
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"test-policy-{n}")
    status = Status.PUBLISHED
    heading = factory.Sequence(lambda n: f"测试政策{n}")
    level = Policy.Level.PROVINCIAL
    issued_date = dt.date(2024, 6, 1)
    source = _source(PolicySourceFactory, "policy")


class MetricFactory(DjangoModelFactory):
    class Meta:
        model = Metric
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"test-metric-{n}")
    status = Status.PUBLISHED
    institution = factory.SubFactory(InstitutionFactory)
    indicator = "测试指标"
    value = Decimal("1")
    unit = "亿元"
    source = _source(MetricSourceFactory, "metric")


def confirmed_user(username: str, email: str | None = None) -> User:
    """An account whose email address is confirmed, so alerts may be sent to it. Made directly
    (not through the confirmation link): tests may give several accounts one address, as a
    database from before confirmation existed could hold them."""
    from django.utils import timezone

    from advisor.models import AccountEmail

    user = User.objects.create_user(username, email or f"{username}@example.com", "Long-pass-9981")
    AccountEmail.objects.create(user=user, email=user.email, confirmed=timezone.now())
    return user


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = "partners.Partner"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试合作方{n}")


def api_key(partner=None, scope: str = "submit") -> tuple[Any, str]:
    """A key issued the way the admin and the command issue one (partners.services.api_key_create):
    the row and the raw key shown once."""
    from partners.services import api_key_create

    return api_key_create(partner=partner or PartnerFactory(), name="test", scope=scope)


def submission_payload(**changes: Any) -> dict[str, Any]:
    """A valid partner submission (tests/api_client.SUBMISSION) with `part__field=value` changes."""
    from tests.api_client import SUBMISSION

    data = copy.deepcopy(SUBMISSION)
    for dotted, value in changes.items():
        part, field = dotted.split("__")
        data[part][field] = value
    return data
