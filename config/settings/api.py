"""REST API settings (imported by base.py): DRF, the OpenAPI schema and docs, keys and limits.

API_RATE_ANON        requests per IP without a key (default 120/min)
API_RATE_KEY         requests per API key (default 1200/min)
API_RATE_SUBMISSION  partner submissions per key (default 60/hour)
API_NUM_PROXIES      trusted reverse proxies in front of the app (X-Forwarded-For hops); 0 = none
API_TRUSTED_PROXIES  comma-separated networks of those proxies (e.g. 10.0.0.0/8); when set,
                     X-Forwarded-For is read only on requests that come from one of them
"""

import os
from pathlib import Path

# The client address for throttles, the admin lockout and the access log:
# catalogue.client_address reads these (django-ipware parses the header).
API_NUM_PROXIES = int(os.environ.get("API_NUM_PROXIES", "0"))
API_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("API_TRUSTED_PROXIES", "").split(",") if p.strip()]

REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "catalogue.api.pagination.CataloguePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "catalogue.api.filters.OrderingFilter",
        "catalogue.api.sync.ModifiedSinceFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "catalogue.api.schema.CatalogueAutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "catalogue.api.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["catalogue.api.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["partners.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": [
        "partners.throttling.AnonRateThrottle",
        "partners.throttling.ApiKeyRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_RATE_ANON", "120/min"),
        "key": os.environ.get("API_RATE_KEY", "1200/min"),
        "submission": os.environ.get("API_RATE_SUBMISSION", "60/hour"),
    },
    # Our throttles ask catalogue.client_address (get_ident); this keeps DRF's own default
    # get_ident, should any throttle fall back to it, counting the same proxy hops.
    "NUM_PROXIES": API_NUM_PROXIES,
    "EXCEPTION_HANDLER": "catalogue.api.exceptions.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "SME finance catalogue API",
    "DESCRIPTION": (Path(__file__).resolve().parents[2] / "catalogue" / "api" / "guide.md").read_text(
        encoding="utf-8"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc are served from our own static files (drf-spectacular-sidecar): the
    # machine running the catalogue may have no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # deepLinking off: it puts a link inside each operation's toggle button (axe nested-interactive:
    # a screen reader cannot reach the link, and a keyboard gets two stops for one control).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "persistAuthorization": True, "displayOperationId": True},
    "ENUM_NAME_OVERRIDES": {
        "PublicationStatusEnum": "catalogue.models.Status",
        "SubmissionStatusEnum": "partners.models.Submission.Status",
        "RegionLevelEnum": "institutions.models.Region.Level",
        "PolicyLevelEnum": "policies.models.Policy.Level",
        "InstitutionKindEnum": "institutions.models.InstitutionKind",
        "InstitutionLevelEnum": "institutions.serializers.INSTITUTION_LEVELS",
    },
    "TAGS": [
        {"name": "products", "description": "What an institution offers (产品), with its sources."},
        {"name": "cases", "description": "Dated uses of a product at an institution (落地案例)."},
        {"name": "institutions", "description": "Banks, regulators and others, head office → branches."},
        {"name": "policies", "description": "Policy notices by regulators and governments."},
        {"name": "metrics", "description": "Figures institutions reported, with their period."},
        {"name": "regions", "description": "GB/T 2260 regions: provinces, cities, districts."},
        {"name": "categories", "description": "The product-category tree (stable slugs)."},
        {"name": "themes", "description": "The five themes (科技/绿色/普惠/养老/数字金融)."},
        {"name": "topics", "description": "Topics policy notices are filed under."},
        {"name": "submissions", "description": "Partner submissions of new products (scope `submit`)."},
    ],
}

# Whole API responses to anonymous GETs are cached this long (seconds), keyed by the resource's
# version, so publishing or withdrawing shows at once; 0 turns the cache off (catalogue/api/conditional.py).
API_RESPONSE_CACHE_SECONDS = int(os.environ.get("API_RESPONSE_CACHE_SECONDS", "60"))
# (A list's count is kept per filter state and catalogue version by the list selector,
# catalogue/listing.py, as the pages' counts are: API_COUNT_CACHE_SECONDS is no longer read.)
