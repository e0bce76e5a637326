from typing import Any

from django.apps import AppConfig
from django.core.signals import request_finished
from django.db.backends.signals import connection_created

from catalogue.versioning import forget_after_writes, watch_writes


def _watch_writes(sender: Any, connection: Any, **kwargs: Any) -> None:
    # First in the list, not appended: `connection.execute_wrapper()` blocks pop the last one, and
    # a connection opened inside such a block would otherwise lose this wrapper at the block's end.
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, watch_writes)


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "目录 Catalogue"

    def ready(self) -> None:
        connection_created.connect(_watch_writes, dispatch_uid="catalogue.watch_writes")
        request_finished.connect(forget_after_writes, dispatch_uid="catalogue.forget_after_writes")
