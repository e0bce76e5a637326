"""API keys: `X-API-Key: <key>` on any request. Reading needs no key; a key lifts the rate limits,
and the `submit` scope allows partner submissions. A key that is sent must be valid (401 if not)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from partners.models import ApiKey
from partners.selectors import api_key_for

HEADER = "X-API-Key"


class PartnerUser(AnonymousUser):
    """Who calls with a key: a partner, not a Django user (never staff, no session)."""

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key

    def __str__(self) -> str:
        return f"{self.api_key.partner} ({self.api_key.prefix}…)"

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_authenticated(self) -> bool:
        return True


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request) -> tuple[PartnerUser, ApiKey] | None:
        raw = request.META.get("HTTP_X_API_KEY")
        if raw is None:
            return None
        key = api_key_for(raw)
        if key is None:
            raise exceptions.AuthenticationFailed(_("The API key is unknown or revoked."))
        return PartnerUser(key), key

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) when a key is missing or wrong.
        return f'{HEADER} realm="api"'


class HasScope(permissions.BasePermission):
    """The request carries a usable key with `scope` (`submit` includes `read`)."""

    scope = ApiKey.Scope.SUBMIT

    @property
    def message(self) -> str:
        return _("This operation needs an API key with the %(scope)s scope.") % {"scope": self.scope}

    def has_permission(self, request, view) -> bool:
        key = request.auth
        return isinstance(key, ApiKey) and key.allows(self.scope)


class HasSubmitScope(HasScope):
    scope = ApiKey.Scope.SUBMIT


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "partners.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": HEADER,
            "description": "A partner API key, `<prefix>.<secret>`, issued by the catalogue's curators. "
            "Optional for reading (raises the rate limit); scope `submit` is needed for submissions.",
        }
