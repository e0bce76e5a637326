from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdvisorConfig(AppConfig):
    """What a relationship manager works with: matching a firm to products, the compare basket."""

    name = "advisor"
    verbose_name = _("advisor")
