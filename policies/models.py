"""Policy notices from regulators and governments, and the topics they are filed under."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from catalogue.models import Publishable, PublishableQuerySet, SourceBase, Vocabulary, optional_foreign_key
from catalogue.pinyin import PinyinSorted
from institutions.models import Institution, Placed
from products.models import Category, Product, Theme


class Topic(Vocabulary):
    """A subject policy notices are filed under (our vocabulary, in both languages)."""

    class Meta(Vocabulary.Meta):
        verbose_name = _("topic")
        verbose_name_plural = _("topics")


class PolicyQuerySet(PublishableQuerySet):
    def for_listing(self) -> PolicyQuerySet:
        return self.select_related("issuer", "province", "city").prefetch_related(
            "topics", "themes", "sources__document"
        )


class Policy(PinyinSorted, Publishable, Placed):
    sort_source = "heading"

    class Level(models.TextChoices):
        CENTRAL = "central", _("central")
        PROVINCIAL = "provincial", _("provincial")
        MUNICIPAL = "municipal", _("municipal")
        DISTRICT = "district", _("district")

    heading = models.CharField(_("heading"), max_length=300)
    # Pinyin sort key of the heading, derived on save (catalogue.pinyin): "Name" sorts use it.
    name_sort = models.CharField(_("sort key"), max_length=255, blank=True, editable=False, db_index=True)
    document_title = models.CharField(_("document title"), max_length=300, blank=True, db_index=True)
    issuer = optional_foreign_key(Institution, related_name="policies", verbose_name=_("issuer"))
    co_issuers = models.ManyToManyField(Institution, blank=True, related_name="co_issued_policies")
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, db_index=True)
    issued_date = models.DateField(_("issue date"), null=True, blank=True, db_index=True)
    summary = models.TextField(_("summary"), blank=True)
    key_measures = models.JSONField(_("key measures"), default=list, blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="policies")
    topics = models.ManyToManyField(Topic, blank=True, related_name="policies")
    categories = models.ManyToManyField(Category, blank=True, related_name="policies")
    products = models.ManyToManyField(Product, blank=True, related_name="policies")

    objects = PolicyQuerySet.as_manager()
    # Who changed which field when (admin, record pages, /api/v1/…/{id}/history/).
    history = HistoricalRecords(excluded_fields=["modified", "name_sort"])

    class Meta(Publishable.Meta):
        ordering = ["-issued_date", "key"]
        verbose_name = _("policy notice")
        verbose_name_plural = _("policy notices")
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(level__in=["central", "provincial", "municipal", "district"]),
                name="policy_level_valid",
                violation_error_message=_("The level must be central, provincial, municipal or district."),
            ),
        ]

    def __str__(self) -> str:
        return self.heading

    @property
    def title(self) -> str:
        return self.heading


class PolicySource(SourceBase):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="sources")
