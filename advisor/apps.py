from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdvisorConfig(AppConfig):
    """What a relationship manager works with: matching a firm to products, the compare basket,
    accounts and their shortlists."""

    name = "advisor"
    verbose_name = _("advisor")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from advisor.basket import merge_on_login

        user_logged_in.connect(merge_on_login, dispatch_uid="advisor-basket-merge")
