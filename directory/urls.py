from django.urls import path

from catalogue.paths import record_pages
from directory import views

app_name = "directory"
urlpatterns = [
    *record_pages(
        "institutions",
        "institution",
        views.institution_list,
        views.institution_export,
        views.institution_detail,
    ),
    path("regions/", views.region_list, name="region-list"),
    path("regions/<str:code>/", views.region_detail, name="region-detail"),
]
