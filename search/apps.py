from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        # The index follows every saved record: receivers are infrastructure here, not business logic.
        from search import index

        index.connect()
