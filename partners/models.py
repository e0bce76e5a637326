"""Partner organisations, their API keys (stored hashed) and the products they submit for review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalogue.models import Named, modified_stamp


class Partner(Named):
    """An organisation that uses the API with keys: a bank's CRM, a government platform, a lab."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("An inactive partner's keys are refused.")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta(Named.Meta):
        verbose_name = _("partner")
        verbose_name_plural = _("partners")


class ApiKeyQuerySet(models.QuerySet):
    def usable(self) -> ApiKeyQuerySet:
        """Keys that authenticate: not revoked, of an active partner."""
        return self.filter(revoked_at__isnull=True, partner__is_active=True)


class ApiKey(models.Model):
    """A partner's key. Only a SHA-256 hash of the key is stored; the raw key is shown once.

    A raw key reads `<prefix>.<secret>`: the prefix (8 hex characters, stored in clear) finds the
    row, the hash of the whole key proves it.
    """

    class Scope(models.TextChoices):
        READ = "read", _("read: higher rate limits")
        SUBMIT = "submit", _("submit: read, plus submit products and read own submissions")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("label"), max_length=80, help_text=_("What the key is for, e.g. CRM sync."))
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    hashed_key = models.CharField(_("SHA-256 of the key"), max_length=64, unique=True, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["partner__name", "-created"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=["read", "submit"]),
                name="apikey_scope_valid",
                violation_error_message=_("The scope must be read or submit."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        """`submit` includes `read`."""
        return scope == self.Scope.READ or self.scope == self.Scope.SUBMIT


class Submission(models.Model):
    """A product with its first case and sources, sent by a partner and reviewed by a curator.

    `payload` keeps what the partner sent (validated); publishing creates the catalogue records.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft: awaiting review")
        PUBLISHED = "published", _("published")
        REJECTED = "rejected", _("rejected")

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="submissions")
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="submissions"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    payload = models.JSONField(_("submitted data"))
    resolved = models.JSONField(
        _("resolved references"),
        default=dict,
        blank=True,
        help_text=_("Institutions and regions the submitted names resolved to, for the reviewer."),
    )
    reason = models.TextField(_("rejection reason"), blank=True)
    product = models.OneToOneField(
        "products.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="submission"
    )
    case = models.OneToOneField(
        "products.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="submission"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = modified_stamp()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        indexes = [models.Index(fields=["partner", "modified", "id"], name="submission_partner_sync")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published", "rejected"]),
                name="submission_status_valid",
                violation_error_message=_("The status must be draft, published or rejected."),
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""),
                name="submission_rejected_has_reason",
                violation_error_message=_("A rejected submission needs its reason."),
            ),
        ]

    def __str__(self) -> str:
        name = (self.payload or {}).get("product", {}).get("name", "?")
        return f"#{self.pk} {name} ({self.partner})"

    @property
    def product_name(self) -> str:
        return (self.payload or {}).get("product", {}).get("name", "")
