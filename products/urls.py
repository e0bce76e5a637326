from django.urls import path

from catalogue.paths import record_pages
from products import views

app_name = "products"
urlpatterns = [
    *record_pages("products", "product", views.product_list, views.product_export, views.product_detail),
    *record_pages("cases", "case", views.case_list, views.case_export, views.case_detail),
    path("compare/", views.compare, name="compare"),
]
