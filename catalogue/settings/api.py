"""REST API settings (imported by base.py)."""

REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "catalogue.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SME finance catalogue API",
    "DESCRIPTION": "Chinese bank financial products for SMEs: institutions, products, cases and policy notices, "
    "each with its source document, locator and verbatim excerpt.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}
