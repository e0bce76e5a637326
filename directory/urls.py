from django.urls import path

from directory import views

app_name = "directory"
urlpatterns = [
    path("institutions/", views.institution_list, name="institution-list"),
    path("institutions/export.<str:fmt>", views.institution_export, name="institution-export"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution-detail"),
    path("regions/", views.region_list, name="region-list"),
    path("regions/<str:code>/", views.region_detail, name="region-detail"),
]
