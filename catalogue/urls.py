from django.contrib import admin
from django.urls import include, path

from catalogue import views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("catalogue.api.urls")),
    path("search/", include("catalogue.search.urls")),
    path("", include("products.urls")),
    path("", include("institutions.urls")),
    path("", include("policies.urls")),
]
