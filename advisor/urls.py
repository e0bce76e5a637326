from django.urls import path

from advisor import views

app_name = "advisor"
urlpatterns = [
    path("match/", views.match_page, name="match"),
]
