"""Pieces every domain app shares: the source documents, provenance, and the publishing state."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext_lazy as _


class Document(models.Model):
    """A source document the catalogue's data was extracted from (never shipped itself)."""

    file_name = models.CharField(_("file name"), max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    published = models.CharField(_("published"), max_length=40, blank=True)

    class Meta:
        ordering = ["file_name"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return f"{self.title} ({self.file_name})"

    def natural_key(self) -> tuple[str]:
        return (self.file_name,)


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    WITHDRAWN = "withdrawn", _("withdrawn")


class PublishableQuerySet(models.QuerySet):
    def published(self):
        """Only what the public site and API show."""
        return self.filter(status=Status.PUBLISHED)


class Publishable(models.Model):
    """A record with a natural key, a review state and timestamps (used for review and sync)."""

    key = models.SlugField(
        _("key"), max_length=80, unique=True, help_text=_("Stable natural key, e.g. 003-ch1-p01.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True, db_index=True)

    class Meta:
        abstract = True

    @classmethod
    def status_constraint(cls, name: str) -> models.CheckConstraint:
        return models.CheckConstraint(condition=Q(status__in=Status.values), name=name)


class SourceBase(models.Model):
    """Provenance: where in which document a record is stated, with a verbatim excerpt."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, verbose_name=_("document"))
    part = models.CharField(_("part"), max_length=40, help_text=_("e.g. 表1, 第五章"))
    locator = models.CharField(_("locator"), max_length=80, help_text=_("e.g. 表1 row 3, 第五章 二十七"))
    excerpt = models.CharField(_("excerpt"), max_length=200, help_text=_("12–80 characters, verbatim"))

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.document.file_name} · {self.locator}"

    @classmethod
    def excerpt_constraint(cls, name: str) -> models.CheckConstraint:
        # LENGTH counts characters on both SQLite and PostgreSQL, so CJK text is measured right.
        return models.CheckConstraint(
            condition=Q(GreaterThanOrEqual(Length("excerpt"), 12), LessThanOrEqual(Length("excerpt"), 80)),
            name=name,
        )
