"""What the fixture loader remembers between runs, so it can tell a curator's edit from its own."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
        ordering = ["-finished"]
        verbose_name = _("fixture load")
        verbose_name_plural = _("fixture loads")

    def __str__(self) -> str:
        return f"{self.finished:%Y-%m-%d %H:%M} {self.checksum[:12]}"
