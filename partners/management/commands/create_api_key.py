from django.core.management.base import BaseCommand

from partners.models import ApiKey, Partner
from partners.services import api_key_create


class Command(BaseCommand):
    help = (
        "Issue an API key for a partner (created if new) and print the raw key once; only its hash is kept."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--partner", required=True, help="partner organisation name")
        parser.add_argument("--name", default="default", help="what the key is for, e.g. CRM sync")
        parser.add_argument("--scope", choices=ApiKey.Scope.values, default=ApiKey.Scope.READ)

    def handle(self, *args, partner: str, name: str, scope: str, **options) -> None:
        owner, _ = Partner.objects.get_or_create(name=partner)
        key, raw = api_key_create(partner=owner, name=name, scope=scope)
        self.stderr.write(f"API key {key.prefix}… ({scope}) for {owner}; it will not be shown again:")
        self.stdout.write(raw)
