"""Regions (GB/T 2260), institutions with their head office → branch hierarchy, and the
figures institutions report (表8)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalogue.models import (
    Bilingual,
    Named,
    Publishable,
    PublishableQuerySet,
    SourceBase,
    modified_stamp,
    optional_foreign_key,
    sync_index,
)
from catalogue.pinyin import PinyinSorted
from institutions.places import check_places


class Region(Bilingual):
    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        CITY = "city", _("prefecture-level city")
        DISTRICT = "district", _("district or county")

    code = models.CharField(_("GB/T 2260 code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=60, db_index=True)
    short_name = models.CharField(_("short name"), max_length=30, db_index=True)
    name_en = models.CharField(_("English name"), max_length=80)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    parent = optional_foreign_key("self", related_name="children", verbose_name=_("parent"))
    longitude = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    modified = modified_stamp()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[1-9][0-9]{5}$"),
                name="region_code_six_digits",
                violation_error_message=_("A region code is six digits (GB/T 2260)."),
            ),
            models.CheckConstraint(
                condition=Q(level__in=["province", "city", "district"]),
                name="region_level_valid",
                violation_error_message=_("The level must be province, city or district."),
            ),
            models.CheckConstraint(
                condition=Q(level="province", parent__isnull=True)
                | Q(~Q(level="province"), parent__isnull=False),
                name="region_parent_unless_province",
                violation_error_message=_("A province has no parent region; every other region has one."),
            ),
        ]

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"


class Placed(models.Model):
    """Where a record sits: a province, a city inside it and a district inside that, each optional.
    Institutions, cases and policy notices share these three fields and the rule that they nest.

    Inherited fields come before a model's own in `_meta`, so forms that show them list their
    fields explicitly (institutions.admin, products.admin, policies.admin)."""

    province = optional_foreign_key(Region, related_name="+", verbose_name=_("province"))
    city = optional_foreign_key(Region, related_name="+", verbose_name=_("city"))
    district = optional_foreign_key(Region, related_name="+", verbose_name=_("district"))

    class Meta:
        abstract = True

    def clean(self) -> None:
        # The one place rule (a city inside its province) for the admin and every full_clean.
        check_places(self.province, self.city, self.district)


def family_q(institution: Institution | int | models.expressions.Combinable, path: str = "") -> Q:
    """Rows whose institution (at `path`, e.g. "institution") is `institution` or, for a head office,
    any of its branches and sub-branches. The one place that says what "this bank" covers: the
    stored `head_office` (kept by institutions.services.institution_set_parent) makes it one
    indexed condition instead of a walk of the tree."""
    prefix = f"{path}__" if path else ""
    pk = getattr(institution, "pk", institution)
    return Q(**{f"{prefix}pk": pk}) | Q(**{f"{prefix}head_office": pk})


class InstitutionQuerySet(models.QuerySet):
    def for_listing(self) -> InstitutionQuerySet:
        """Everything a list row shows, in a constant number of queries."""
        return self.select_related("parent", "head_office", "province", "city")

    def head_offices(self) -> InstitutionQuerySet:
        return self.filter(parent__isnull=True)

    def family_of(self, institution: Institution | int) -> InstitutionQuerySet:
        """The institution and, for a head office, all its branches and sub-branches (through the
        stored `head_office`, which `institution_set_parent` keeps right). Used as a subquery
        (`institution__in=...`) by every filter, count and page that means "this bank"."""
        return self.filter(family_q(institution))


class InstitutionKind(models.TextChoices):
    """What an institution is: banks by charter, then the other financial firms and the public
    bodies that issue or appear in the documents. Module-level, not inside Institution, because
    Institution.Meta's check constraint and the search index read its values."""

    CENTRAL_BANK = "central-bank", _("central bank")
    REGULATOR = "regulator", _("regulator")
    GOVERNMENT = "government", _("government body")
    POLICY_BANK = "policy-bank", _("policy bank")
    LARGE_STATE_BANK = "large-state-bank", _("large state-owned bank")
    JOINT_STOCK_BANK = "joint-stock-bank", _("joint-stock bank")
    CITY_COMMERCIAL_BANK = "city-commercial-bank", _("city commercial bank")
    RURAL_COMMERCIAL_BANK = "rural-commercial-bank", _("rural commercial bank")
    RURAL_CREDIT_COOPERATIVE = "rural-credit-cooperative", _("rural credit cooperative")
    VILLAGE_BANK = "village-bank", _("village bank")
    PRIVATE_BANK = "private-bank", _("private bank")
    FOREIGN_BANK = "foreign-bank", _("foreign bank")
    BRANCH = "branch", _("bank branch")
    INSURANCE_COMPANY = "insurance-company", _("insurance company")
    SECURITIES_COMPANY = "securities-company", _("securities company")
    FUND_COMPANY = "fund-company", _("fund company")
    TRUST_COMPANY = "trust-company", _("trust company")
    FINANCIAL_LEASING = "financial-leasing", _("financial leasing company")
    GUARANTEE_COMPANY = "guarantee-company", _("guarantee company")
    PAYMENT_INSTITUTION = "payment-institution", _("payment institution")
    EXCHANGE = "exchange", _("exchange")
    ASSOCIATION = "association", _("industry association")
    TECHNOLOGY_COMPANY = "technology-company", _("technology company")
    ENTERPRISE = "enterprise", _("enterprise")
    OTHER = "other", _("other")


class Institution(PinyinSorted, Bilingual, Placed):
    Kind = InstitutionKind

    class EnglishMethod(models.TextChoices):
        OFFICIAL = "official", _("official")
        COMPOSED = "composed", _("composed")
        TRANSLITERATED = "transliterated", _("transliterated")

    name = models.CharField(_("name"), max_length=120, unique=True)
    # Pinyin sort key of name, derived on save (catalogue.pinyin): "Name" sorts use it.
    name_sort = models.CharField(_("sort key"), max_length=255, blank=True, editable=False, db_index=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True, db_index=True)
    # The institution's own English name where it publishes one (fixtures), else one composed
    # from its head office, place and kind, or a transliteration (institutions.english);
    # `name_en_method` says which, so pages and the API can show how far to trust it.
    name_en = models.CharField(_("English name"), max_length=160, blank=True)
    name_en_method = models.CharField(
        _("how the English name was obtained"),
        max_length=16,
        choices=EnglishMethod.choices,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, db_index=True)
    parent = optional_foreign_key("self", related_name="branches", verbose_name=_("parent"))
    # The root of the hierarchy, stored so "a head office with all its branches" is one indexed
    # filter instead of a recursive walk; null for head offices themselves. Kept by services.
    head_office = optional_foreign_key(
        "self", related_name="all_branches", verbose_name=_("head office"), editable=False
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = modified_stamp()

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        ordering = ["name_sort", "name"]
        indexes = [sync_index("institution_sync")]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=InstitutionKind.values),
                name="institution_kind_valid",
                violation_error_message=_("Choose one of the listed kinds of institution."),
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")),
                name="institution_not_own_parent",
                violation_error_message=_("An institution cannot be its own parent."),
            ),
        ]

    def __str__(self) -> str:
        # The Chinese name everywhere a record is named (admin, history, other records' labels);
        # pages choose display_name.
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)

    @property
    def level(self) -> str:
        """head-office, branch or sub-branch, from the position in the hierarchy."""
        if self.parent_id is None:
            return "head-office"
        return "branch" if self.parent.parent_id is None else "sub-branch"

    def root(self) -> Institution:
        node, seen = self, set()
        while node.parent_id is not None and node.pk not in seen:
            seen.add(node.pk)
            node = node.parent
        return node


class InstitutionAlias(Named):
    """Another name the documents use (工行 for 中国工商银行); unique so it resolves to one."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("institution")
    )
    name = models.CharField(_("alias"), max_length=120, unique=True)
    modified = modified_stamp()

    class Meta(Named.Meta):
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")


class MetricQuerySet(PublishableQuerySet):
    def for_listing(self) -> MetricQuerySet:
        return self.select_related("institution", "institution__head_office").prefetch_related(
            "sources__document"
        )


class Metric(Publishable):
    """A dated figure an institution reported (表8), in base units."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="metrics", verbose_name=_("institution")
    )
    indicator = models.CharField(_("indicator"), max_length=120)
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=20)
    as_of = models.DateField(_("as of"), null=True, blank=True)
    period = models.CharField(_("period as written"), max_length=60, blank=True)

    objects = MetricQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = ["institution__name", "as_of", "id"]
        verbose_name = _("metric")
        verbose_name_plural = _("metrics")

    def __str__(self) -> str:
        return f"{self.institution} · {self.indicator}: {self.value} {self.unit}"


class MetricSource(SourceBase):
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="sources")
