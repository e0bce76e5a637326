from django.urls import path

from policies import views

app_name = "policies"
urlpatterns = [
    path("policies/", views.policy_list, name="policy-list"),
    path("policies/<int:pk>/", views.policy_detail, name="policy-detail"),
]
