from django.urls import path

from policies import views

app_name = "policies"
urlpatterns = [
    path("policies/", views.policy_list, name="policy-list"),
    path("policies/export.<str:fmt>", views.policy_export, name="policy-export"),
    path("policies/<int:pk>/", views.policy_detail, name="policy-detail"),
]
