from django.urls import path

from advisor import views

app_name = "advisor"
urlpatterns = [
    path("match/", views.match_page, name="match"),
    path("basket/", views.basket_page, name="basket"),
    path("basket/add/", views.basket_add, name="basket-add"),
    path("basket/change/", views.basket_change, name="basket-change"),
]
