from django.contrib import admin
from django.urls import include, path

from catalogue import home

urlpatterns = [
    path("", home.home, name="home"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("catalogue.api.urls")),
    path("search/", include("search.urls")),
    path("", include("products.urls")),
    path("", include("directory.urls")),
    path("", include("policies.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("advisor.urls")),
]
