from django.urls import path

from products import views

app_name = "products"
urlpatterns = [
    path("products/", views.product_list, name="product-list"),
    path("products/<int:pk>/", views.product_detail, name="product-detail"),
    path("products/export.<str:fmt>", views.product_export, name="product-export"),
    path("cases/", views.case_list, name="case-list"),
    path("cases/export.<str:fmt>", views.case_export, name="case-export"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("compare/", views.compare, name="compare"),
]
