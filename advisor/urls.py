from django.urls import path

from advisor import accounts, alerts, views

app_name = "advisor"
urlpatterns = [
    path("match/", views.match_page, name="match"),
    path("basket/", views.basket_page, name="basket"),
    path("basket/add/", views.basket_add, name="basket-add"),
    path("basket/change/", views.basket_change, name="basket-change"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("shortlists/", accounts.shortlists, name="shortlists"),
    path("shortlists/<int:pk>/", accounts.shortlist, name="shortlist"),
    path("shortlists/<int:pk>/share/", accounts.shortlist_share, name="shortlist-share"),
    path("shortlists/<int:pk>/delete/", accounts.shortlist_delete, name="shortlist-delete"),
    path("shortlists/add/", accounts.shortlist_add, name="shortlist-add"),
    path("shortlists/shared/<str:token>/", accounts.shortlist_shared, name="shortlist-shared"),
    path("saved/", alerts.save_search, name="save-search"),
    path("saved/<str:token>/feed/", alerts.SavedSearchFeed(), name="saved-feed"),
    path("saved/<str:token>/unsubscribe/", alerts.unsubscribe, name="unsubscribe"),
    path("saved/<int:pk>/edit/", alerts.edit_search, name="saved-edit"),
    path("saved/<int:pk>/rotate/", alerts.rotate_link, name="saved-rotate"),
]
