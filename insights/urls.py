from django.urls import path

from insights import views

app_name = "insights"
urlpatterns = [
    path("insights/", views.insights, name="index"),
    path("insights/<slug:chart>.csv", views.chart_csv, name="csv"),
]
