from django.urls import include, path

from advisor import accounts, alerts, views

basket = [
    path("", views.basket_page, name="basket"),
    path("add/", views.basket_add, name="basket-add"),
    path("change/", views.basket_change, name="basket-change"),
]
shortlists = [
    path("", accounts.shortlists, name="shortlists"),
    path("<int:pk>/", accounts.shortlist, name="shortlist"),
    path("<int:pk>/share/", accounts.shortlist_share, name="shortlist-share"),
    path("<int:pk>/delete/", accounts.shortlist_delete, name="shortlist-delete"),
    path("add/", accounts.shortlist_add, name="shortlist-add"),
    path("shared/<str:token>/", accounts.shortlist_shared, name="shortlist-shared"),
]
saved_searches = [
    path("", alerts.save_search, name="save-search"),
    path("<str:token>/feed/", alerts.SavedSearchFeed(), name="saved-feed"),
    path("<str:token>/unsubscribe/", alerts.unsubscribe, name="unsubscribe"),
    path("<int:pk>/edit/", alerts.edit_search, name="saved-edit"),
    path("<int:pk>/rotate/", alerts.rotate_link, name="saved-rotate"),
]

app_name = "advisor"
urlpatterns = [
    path("match/", views.match_page, name="match"),
    path("basket/", include(basket)),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("shortlists/", include(shortlists)),
    path("saved/", include(saved_searches)),
]
