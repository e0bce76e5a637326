"""What a signed-in manager keeps: the compare basket."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
