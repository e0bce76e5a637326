"""What the loader keeps: imports of the monthly report with the review queue they fill, and what
the fixture loader last wrote (so it can tell a curator's edit from its own).

Imports of the monthly report and the review queue they fill.

An import (ReportImport) keeps the uploaded file, its checksum, status, counts, log and progress.
Each parsed row becomes an ImportItem: what was parsed, its verbatim excerpt, the catalogue record it
created as a draft or matched, and the reviewer's decision. Items are identified by (document, kind,
locator), so a re-import finds the earlier decision instead of queueing the row again."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.models import Document, Named, optional_foreign_key


def import_storage() -> Storage:
    """Where uploaded report files are kept: STORAGES["imports"] (the database by default, so any
    host's worker reads them; an object store in production if configured)."""
    return storages["imports"]


class ReportImport(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        # Finished, but what came in does not look like the whole issue (no case rows, or too many
        # table lines left unplaced): the reasons say why, and a curator looks before trusting it.
        ATTENTION = "attention", _("needs attention")
        FAILED = "failed", _("failed")

    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", storage=import_storage)
    file_name = models.CharField(_("file name"), max_length=200)
    checksum = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    document = optional_foreign_key(Document, related_name="+", verbose_name=_("document"))
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    log = models.TextField(_("log"), blank=True)
    # The log again, each line in every language of the site ({"en": …, "zh-hans": …}), so the
    # admin shows it in the page's language whoever ran the import.
    entries = models.JSONField(_("log entries"), default=list, blank=True)
    # Why an import needs attention (or failed), each as {"en": …, "zh-hans": …}.
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_failed = models.PositiveIntegerField(_("rows failed"), default=0)
    unparsed = models.JSONField(_("lines not parsed"), default=list, blank=True)
    # [{"record", "field", "imported", "current"}]: fields a curator changed, left as they are.
    conflicts = models.JSONField(_("conflicts"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    # When a worker took it (committed before the import's own transaction, so other processes see
    # it); a `running` import with no progress long after this has lost its worker.
    started = models.DateTimeField(_("started"), null=True, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("report import")
        verbose_name_plural = _("report imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


class StoredFile(Named):
    """An uploaded report file's bytes (loader.storage.DatabaseStorage): in the database every
    host reaches, not on the disk of the web host that took the upload."""

    name = models.CharField(_("name"), max_length=255, unique=True)
    content = models.BinaryField(_("content"))
    size = models.PositiveIntegerField(_("size in bytes"))
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")


class ImportItem(models.Model):
    class Kind(models.TextChoices):
        CASE = "case", _("case")
        POLICY = "policy", _("policy notice")

    class Action(models.TextChoices):
        CREATE = "create", _("new record")
        UPDATE = "update", _("changes to an existing record")

    class Decision(models.TextChoices):
        PENDING = "pending", _("to review")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    report_import = models.ForeignKey(
        ReportImport, on_delete=models.CASCADE, related_name="items", verbose_name=_("import")
    )
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    locator = models.CharField(_("locator"), max_length=80)
    line = models.PositiveIntegerField(_("line"), null=True, blank=True)
    parsed = models.JSONField(_("parsed"), default=dict)
    excerpt = models.CharField(_("excerpt"), max_length=200)
    # The draft this row created, or the existing record it matched.
    record_type = optional_foreign_key(ContentType)
    record_id = models.PositiveBigIntegerField(null=True, blank=True)
    record = GenericForeignKey("record_type", "record_id")
    # field → [current value, imported value] for a matched record.
    diff = models.JSONField(_("changes"), default=dict, blank=True)
    # field → {"imported": …, "current": …}: a curator changed it after the import; never overwritten.
    conflicts = models.JSONField(_("conflicts"), default=dict, blank=True)
    # Why a draft looks wrong (loader.flags codes: "new-institution", "amount-outlier" …); `flagged`
    # is the same as a boolean so the queue can filter on it with one index on every database.
    flags = models.JSONField(_("flags"), default=list, blank=True)
    flagged = models.BooleanField(_("flagged"), default=False, db_index=True)
    # field → value a curator typed in the review form before accepting (parsed stays as imported,
    # so a re-import of the same row is still recognised).
    corrections = models.JSONField(_("corrections"), default=dict, blank=True)
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["report_import", "kind", "line", "id"]
        indexes = [models.Index(fields=["document", "kind", "locator"], name="importitem_identity")]
        verbose_name = _("draft to review")
        verbose_name_plural = _("drafts to review")

    def __str__(self) -> str:
        values = self.values
        return f"{self.locator} · {values.get('product') or values.get('heading') or ''}"

    @property
    def values(self) -> dict:
        """The row as it stands for review: what was parsed, with the curator's corrections."""
        return {**self.parsed, **self.corrections}


class FixtureSnapshot(models.Model):
    """The values the loader last wrote for one record (by model and natural key). A field whose
    current value differs from this was changed by someone else (a curator), so the loader leaves
    it and reports the conflict instead of overwriting it."""

    model = models.CharField(_("model"), max_length=60)
    key = models.CharField(_("natural key"), max_length=200)
    values = models.JSONField(_("values last loaded"), default=dict)
    loaded = models.DateTimeField(_("loaded"), auto_now=True)

    class Meta:
        verbose_name = _("fixture snapshot")
        verbose_name_plural = _("fixture snapshots")
        constraints = [models.UniqueConstraint(fields=["model", "key"], name="fixturesnapshot_unique")]

    def __str__(self) -> str:
        return f"{self.model} {self.key}"


class FixtureLoad(models.Model):
    """One completed load of fixtures/: its checksum lets `load_catalogue --if-changed` (what
    `make run` calls) skip a load when nothing in fixtures/ changed."""

    checksum = models.CharField(_("checksum of fixtures/"), max_length=64, db_index=True)
    finished = models.DateTimeField(_("finished"), auto_now_add=True)
    summary = models.TextField(_("summary"), blank=True)
    conflicts = models.JSONField(_("conflicts left for curators"), default=list)

    class Meta:
        get_latest_by = "finished"  # the load `fixtures_changed` compares against
        verbose_name = _("fixture load")
        verbose_name_plural = _("fixture loads")

    def __str__(self) -> str:
        # In the site's time zone, as the admin shows every other time.
        return f"{timezone.localtime(self.finished):%Y-%m-%d %H:%M} {self.checksum[:12]}"
