"""Pieces every domain app shares: the source documents, provenance, the publishing state, names
in two languages, and optional links."""

from typing import Any

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def optional_foreign_key(to: type[models.Model] | str, **options: Any) -> models.ForeignKey:
    """A link a record may lack (a head office has no parent, a case no city): empty in the database
    and in forms. It protects what it points to: records are withdrawn, not deleted, so a region,
    institution or document still referred to cannot go."""
    return models.ForeignKey(to, on_delete=models.PROTECT, null=True, blank=True, **options)


def modified_stamp() -> models.DateTimeField:
    """The last-change stamp, set on every save. Indexed: catalogue.versioning takes its MAX per
    model (one index read each) for the catalogue's version, and partners sync in (modified, id)
    order (sync_index)."""
    return models.DateTimeField(_("modified"), auto_now=True, db_index=True)


class Named(models.Model):
    """A record that reads as its `name` wherever it is named (admin, history, other records'
    labels): one `__str__` for the models whose name says what they are. A model whose Meta
    extends Named.Meta is also listed by name."""

    name: str

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Document(models.Model):
    """A source document the catalogue's data was extracted from (never shipped itself)."""

    file_name = models.CharField(_("file name"), max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    published = models.CharField(_("published"), max_length=40, blank=True)
    # SHA-256 of the file a report import read (empty for curated documents): tells editions apart.
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True)
    modified = modified_stamp()

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


def sync_index(name: str) -> models.Index:
    """Partners sync in (modified, id) order without OFFSET (cursor pagination)."""
    return models.Index(fields=["modified", "id"], name=name)


class Publishable(models.Model):
    """A record with a natural key, a review state and timestamps (used for review and sync)."""

    key = models.SlugField(
        _("key"), max_length=80, unique=True, help_text=_("Stable natural key, e.g. 003-ch1-p01.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = modified_stamp()

    class Meta:
        abstract = True
        # "%(class)s" is each model's own name (product_sync, case_status_valid): a model that adds
        # indexes or constraints extends these lists (Publishable.Meta.constraints).
        indexes = [sync_index("%(class)s_sync")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values),
                name="%(class)s_status_valid",
                violation_error_message=_("The status must be draft, published or withdrawn."),
            )
        ]


class SourceBase(models.Model):
    """Provenance: where in which document a record is stated, with a verbatim excerpt."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, verbose_name=_("document"))
    part = models.CharField(_("part"), max_length=40, help_text=_("e.g. 表1, 第五章"))
    locator = models.CharField(_("locator"), max_length=80, help_text=_("e.g. 表1 row 3, 第五章 二十七"))
    excerpt = models.CharField(_("excerpt"), max_length=200, help_text=_("12–80 characters, verbatim"))

    class Meta:
        abstract = True
        ordering = ["id"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            # LENGTH counts characters on both SQLite and PostgreSQL, so CJK text is measured right.
            models.CheckConstraint(
                condition=Q(
                    GreaterThanOrEqual(Length("excerpt"), 12), LessThanOrEqual(Length("excerpt"), 80)
                ),
                name="%(class)s_excerpt_length",
                violation_error_message=_("The excerpt must be 12 to 80 characters long."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.document.file_name} · {self.locator}"


def english_active() -> bool:
    """Whether the page or API response being made is in English (anything else shows Chinese)."""
    return (get_language() or "").startswith("en")


class Bilingual(models.Model):
    """A record named in Chinese (`name`) and in English (`name_en`): regions and vocabularies,
    whose names are ours, and institutions. Document text itself stays Chinese. The fields stay
    on each model: their lengths differ."""

    name: str
    name_en: str

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The English name on English pages where there is one, else the Chinese name."""
        return self.name_en if self.name_en and english_active() else self.name


class Vocabulary(Bilingual):
    """A row of one of our small vocabularies (categories, themes, topics): named by us, not by the
    documents, so it carries both languages, and placed by `position` in lists."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80)
    position = models.PositiveSmallIntegerField(default=0)
    # Versions the caches (catalogue.versioning): a renamed theme shows at once.
    modified = modified_stamp()

    class Meta:
        abstract = True
        ordering = ["position", "slug"]

    def natural_key(self) -> tuple[str]:
        return (self.slug,)
