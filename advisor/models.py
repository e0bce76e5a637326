"""What a signed-in manager keeps: the compare basket."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advisor.validators import refuse_control_characters
from catalogue.models import Named


class Basket(models.Model):
    """The compare basket of a signed-in user, so it follows them across sessions and devices.
    `items` is the ordered list of ["product" | "case", id] pairs as chosen."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="basket")
    items = models.JSONField(_("items"), default=list, blank=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("compare basket")
        verbose_name_plural = _("compare baskets")

    def __str__(self) -> str:
        return f"{self.user} · {len(self.items)}"


class AccountEmail(models.Model):
    """The address an account's owner has shown they read, by following the signed link mailed to
    it. Alerts and password resets go only to a confirmed address, and only while the account's
    email is still that address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="confirmed_email"
    )
    email = models.EmailField(_("email"), max_length=254)
    confirmed = models.DateTimeField(_("confirmed"))

    class Meta:
        verbose_name = _("confirmed email address")
        verbose_name_plural = _("confirmed email addresses")

    def __str__(self) -> str:
        return f"{self.user} · {self.email}"


def new_token() -> str:
    return secrets.token_urlsafe(18)


class ShortlistQuerySet(models.QuerySet):
    def shared(self, token: str) -> ShortlistQuerySet:
        """The shortlist its link names, while its owner shares it and the link has not expired."""
        return self.filter(token=token, shared=True).filter(
            models.Q(share_expires__isnull=True) | models.Q(share_expires__gt=timezone.now())
        )


class Shortlist(models.Model):
    """Products picked for one client, with a note each. Its owner may share it read-only by a
    link (`token`): revocable, rotatable, optionally expiring, notes included only when ticked."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shortlists")
    title = models.CharField(_("client or title"), max_length=120, validators=[refuse_control_characters])
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    shared = models.BooleanField(_("shared by link"), default=False)
    share_notes = models.BooleanField(_("share notes"), default=False)
    share_expires = models.DateTimeField(_("link expires"), null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    objects = ShortlistQuerySet.as_manager()

    class Meta:
        ordering = ["-modified"]
        verbose_name = _("shortlist")
        verbose_name_plural = _("shortlists")

    def __str__(self) -> str:
        return self.title


class ShortlistItem(models.Model):
    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("products.Product", on_delete=models.CASCADE, related_name="+")
    note = models.TextField(_("note"), blank=True, max_length=2000)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shortlist", "product"], name="shortlist_product_once")
        ]

    def __str__(self) -> str:
        return f"{self.shortlist} · {self.product_id}"


class SavedSearch(Named):
    """A filtered list (products or cases) or a match, kept by its query string, with the alerts
    it sends: a daily digest email (with a link to stop it at `unsubscribe_token`), a signed
    webhook, and an Atom feed at its token's address."""

    class Kind(models.TextChoices):
        PRODUCTS = "products", _("products")
        CASES = "cases", _("cases")
        MATCH = "match", _("match")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("name"), max_length=120, validators=[refuse_control_characters])
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    query = models.CharField(_("query"), max_length=2000, blank=True)
    # The feed's address; unsubscribing has its own token, so a feed reader cannot stop the email.
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    unsubscribe_token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    email_alerts = models.BooleanField(_("daily email"), default=True)
    webhook_url = models.URLField(_("webhook URL"), blank=True, max_length=500)
    webhook_secret = models.CharField(max_length=64, default=new_token, editable=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")


class SeenRecord(models.Model):
    """A record a saved search has already reported (or that matched when it was saved): what makes
    a second run send nothing new."""

    search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="seen")
    record_kind = models.CharField(max_length=10)
    record_id = models.BigIntegerField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["search", "record_kind", "record_id"], name="seen_once")
        ]

    def __str__(self) -> str:
        return f"{self.search} · {self.record_kind} {self.record_id}"


class Delivery(models.Model):
    """One alert sent (or tried): the delivery log of emails and webhooks."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        WEBHOOK = "webhook", _("webhook")

    search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    delivered = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        # The labels, not the codes: the admin shows them in the curator's language.
        return " · ".join((str(self.search), self.get_channel_display(), self.get_status_display()))
