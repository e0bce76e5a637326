from django.contrib import admin
from django.urls import include, path

from catalogue import health
from insights.home import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("config.api_router")),
    path("search/", include("search.urls")),
    path("", include("products.urls")),
    path("", include("directory.urls")),
    path("", include("policies.urls")),
    path("", include("insights.urls")),
    # Before Django's: the rate-limited password reset and the email confirmation pages.
    path("accounts/", include("advisor.account_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("advisor.urls")),
]

# Problem JSON under /api/, our own bilingual pages elsewhere (catalogue/errors.py).
handler400 = "catalogue.errors.bad_request"
handler403 = "catalogue.errors.permission_denied"
handler404 = "catalogue.errors.page_not_found"
handler500 = "catalogue.errors.server_error"
