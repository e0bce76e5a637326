"""Account pages that take the place of django.contrib.auth's own (included before them)."""

from django.urls import path

from advisor import accounts

urlpatterns = [
    path("password_reset/", accounts.LimitedPasswordResetView.as_view(), name="password_reset"),
    path("confirm/resend/", accounts.resend_confirmation, name="confirm-email-resend"),
    path("confirm/<str:token>/", accounts.confirm_email, name="confirm-email"),
]
