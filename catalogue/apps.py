from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "目录 Catalogue"

    def ready(self) -> None:
        # The search index follows every saved record (infrastructure, so receivers are fine).
        from catalogue.search import index

        index.connect()
