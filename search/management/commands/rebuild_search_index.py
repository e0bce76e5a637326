"""Empty the search index and index every record again (after a restore, or a change of the
indexed fields). Day to day the index follows every change by itself."""

import time

from django.core.management.base import BaseCommand

from catalogue.fulltext.backends import KINDS
from search import index


class Command(BaseCommand):
    help = "Rebuild the search index from the database."

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=KINDS, action="append", help="only this kind (repeatable)")

    def handle(self, *args, kind=None, **options):
        start = time.monotonic()
        counts = index.rebuild(kind or KINDS, stdout=self.stdout)
        summary = ", ".join(f"{k}: {n}" for k, n in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"search index rebuilt ({summary}) in {time.monotonic() - start:.1f}s")
        )
