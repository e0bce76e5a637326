"""Sign up with email confirmation and a rate-limited password reset (sign in and out are
django.contrib.auth's own views), and shortlists with links their owners can take back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.contrib.auth.models import User
from django.contrib.auth.views import PasswordResetView
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from advisor import limits, services
from advisor.models import Shortlist, ShortlistItem
from advisor.validators import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from products.models import Product


class SignUpForm(UserCreationForm):
    email = forms.EmailField(label=_("Email"), help_text=_("Where alerts are sent."))

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


def _too_many(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    return render(request, template, context, status=429)


TOO_MANY = _("Too many attempts from your network. Please try again later.")


def signup(request: HttpRequest) -> HttpResponse:
    """A new account, signed in at once; alerts reach its address only once confirmed (the link
    mailed here). Limited per client address and per email address (settings.ACCOUNTS_SIGNUP_LIMITS)."""
    form = SignUpForm(request.POST or None)
    if request.method == "POST":
        if not limits.hit(
            "signup-client", limits.client_address(request), settings.ACCOUNTS_SIGNUP_LIMITS["client"]
        ):
            form.is_valid()
            form.add_error(None, TOO_MANY)
            return _too_many(request, "registration/signup.html", {"form": form})
        if form.is_valid():
            email = form.cleaned_data["email"]
            if not limits.hit("signup-address", email, settings.ACCOUNTS_SIGNUP_LIMITS["address"]):
                form.add_error("email", _("Too many sign-ups with this address. Please try again later."))
                return _too_many(request, "registration/signup.html", {"form": form})
            user = form.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if services.send_confirmation(user):
                messages.info(
                    request,
                    _("We sent a confirmation link to %(email)s. Alerts start once you follow it.")
                    % {"email": email},
                )
            return redirect("advisor:shortlists")
    return render(request, "registration/signup.html", {"form": form})


def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation mail: a page with a button (mail scanners that open links do
    not confirm anything), and the POST that confirms."""
    try:
        signing.loads(token, salt=services.CONFIRM_SALT, max_age=settings.ACCOUNTS_CONFIRM_MAX_AGE)
    except signing.BadSignature:
        error = _("This confirmation link is not valid or has expired. Sign in to get a new one.")
        return render(request, "advisor/confirm_email.html", {"error": error}, status=400)
    if request.method == "POST":
        try:
            user = services.confirm_email(token=token)
        except ValidationError as exc:
            return render(request, "advisor/confirm_email.html", {"error": exc.messages[0]}, status=400)
        return render(request, "advisor/confirm_email.html", {"done": True, "email": user.email})
    return render(request, "advisor/confirm_email.html", {})


@login_required
@require_POST
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    if services.email_confirmed(request.user):
        messages.info(request, _("Your address is already confirmed."))
    elif not limits.hit(
        "signup-client", limits.client_address(request), settings.ACCOUNTS_SIGNUP_LIMITS["client"]
    ):
        messages.error(request, TOO_MANY)
    elif services.send_confirmation(request.user):
        messages.info(
            request,
            _("We sent a confirmation link to %(email)s. Alerts start once you follow it.")
            % {"email": request.user.email},
        )
    else:
        messages.error(
            request, _("Too many confirmation emails to this address today. Please try again tomorrow.")
        )
    return redirect("advisor:shortlists")


class LimitedPasswordResetForm(PasswordResetForm):
    def save(self, *args: Any, **kwargs: Any) -> None:  # Django's signature; we use only the email
        services.send_password_reset(email=self.cleaned_data["email"])


class LimitedPasswordResetView(PasswordResetView):
    """Django's reset page, with one mail per address per window (services.send_password_reset)
    and a limit per client address. The answer is the same whether the address is known or not."""

    form_class = LimitedPasswordResetForm

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not limits.hit(
            "reset-client", limits.client_address(request), settings.ACCOUNTS_RESET_LIMITS["client"]
        ):
            return render(request, "429.html", {"wait": 3600}, status=429)
        return super().post(request, *args, **kwargs)


class ShortlistForm(forms.ModelForm):
    class Meta:
        model = Shortlist
        fields = ["title"]


@login_required
def shortlists(request: HttpRequest) -> HttpResponse:
    form = ShortlistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sl = form.save(commit=False)
        sl.owner = request.user
        sl.save()
        return redirect("advisor:shortlist", pk=sl.pk)
    return render(
        request,
        "advisor/shortlists.html",
        {
            "form": form,
            "shortlists": request.user.shortlists.all(),
            "saved": request.user.saved_searches.all(),
            "email_confirmed": services.email_confirmed(request.user),
        },
    )


def _items(sl: Shortlist) -> list[ShortlistItem]:
    return list(
        sl.items.filter(product__status="published").select_related(
            "product__institution", "product__category"
        )
    )


@login_required
def shortlist(request: HttpRequest, pk: int) -> HttpResponse:
    sl = get_object_or_404(Shortlist, pk=pk, owner=request.user)
    if request.method == "POST":
        for item in sl.items.all():
            note = request.POST.get(f"note-{item.pk}")
            if note is not None and note != item.note:
                item.note = note[:2000]
                item.save(update_fields=["note"])
            if request.POST.get(f"remove-{item.pk}"):
                item.delete()
        messages.success(request, _("Saved."))
        return redirect("advisor:shortlist", pk=sl.pk)
    share = request.build_absolute_uri(f"/shortlists/shared/{sl.token}/")
    return render(
        request,
        "advisor/shortlist.html",
        {
            "sl": sl,
            "items": _items(sl),
            "share_url": share,
            "owner": True,
            "share_form": ShareForm(initial={"share_notes": sl.share_notes, "expires": _expiry_date(sl)}),
        },
    )


def _expiry_date(sl: Shortlist) -> dt.date | None:
    return timezone.localtime(sl.share_expires).date() if sl.share_expires else None


class ShareForm(forms.Form):
    share_notes = forms.BooleanField(required=False, label=_("Show my notes on the shared page"))
    expires = forms.DateField(
        required=False,
        label=_("Link valid until (optional)"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def expires_at(self) -> dt.datetime | None:
        """The end of the chosen day, in the site's time zone."""
        day = self.cleaned_data.get("expires")
        if day is None:
            return None
        return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


@login_required
@require_POST
def shortlist_share(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner shares (or changes how), revokes, or rotates the read-only link."""
    sl = get_object_or_404(Shortlist, pk=pk, owner=request.user)
    action = request.POST.get("action")
    if action == "share":
        form = ShareForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError([m for errors in form.errors.values() for m in errors])
            services.shortlist_share(
                shortlist=sl, share_notes=form.cleaned_data["share_notes"], expires=form.expires_at()
            )
            messages.success(request, _("Shared: anyone with the link can read this shortlist."))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    elif action == "revoke":
        services.shortlist_revoke(shortlist=sl)
        messages.success(request, _("No longer shared: the link no longer works."))
    elif action == "rotate":
        services.shortlist_rotate(shortlist=sl)
        messages.success(request, _("New link made; the old one no longer works."))
    return redirect("advisor:shortlist", pk=sl.pk)


@login_required
@require_POST
def shortlist_delete(request: HttpRequest, pk: int) -> HttpResponse:
    sl = get_object_or_404(Shortlist, pk=pk, owner=request.user)
    sl.delete()
    messages.success(request, _("Shortlist deleted."))
    return redirect("advisor:shortlists")


def shortlist_shared(request: HttpRequest, token: str) -> HttpResponse:
    """The read-only page anyone with a live link sees (notes only when the owner shares them)."""
    sl = get_object_or_404(Shortlist.objects.shared(token))
    response = render(
        request,
        "advisor/shortlist.html",
        {"sl": sl, "items": _items(sl), "owner": False, "show_notes": sl.share_notes},
    )
    # A revoked link must not live on in a shared cache, nor the page in search engines.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_POST
def shortlist_add(request: HttpRequest) -> HttpResponse:
    try:
        product = Product.objects.published().get(pk=int(request.POST.get("product", "")))
    except (ValueError, Product.DoesNotExist):
        messages.error(request, _("No such product."))
        return redirect("advisor:shortlists")
    title = (request.POST.get("title") or "").strip()[:120]
    if has_control_characters(title):
        messages.error(request, CONTROL_CHARACTERS_MESSAGE)
        return redirect("products:product-detail", pk=product.pk)
    pk = request.POST.get("shortlist")
    if pk and pk.isdigit():
        sl = get_object_or_404(Shortlist, pk=int(pk), owner=request.user)
    elif title:
        sl = Shortlist.objects.create(owner=request.user, title=title)
    else:
        messages.error(request, _("Choose a shortlist or name a new one."))
        return redirect("products:product-detail", pk=product.pk)
    last = sl.items.aggregate(m=Max("position"))["m"] or 0
    ShortlistItem.objects.get_or_create(shortlist=sl, product=product, defaults={"position": last + 1})
    sl.save(update_fields=["modified"])
    messages.success(request, _("Added to the shortlist."))
    return redirect("advisor:shortlist", pk=sl.pk)
