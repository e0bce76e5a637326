"""Sign up (sign in and out are django.contrib.auth's own views) and shortlists."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from advisor.models import Shortlist, ShortlistItem
from advisor.validators import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from products.models import Product


class SignUpForm(UserCreationForm):
    email = forms.EmailField(label=_("Email"), help_text=_("Where alerts are sent."))

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


def signup(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("advisor:shortlists")
    return render(request, "registration/signup.html", {"form": form})


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
        request, "advisor/shortlist.html", {"sl": sl, "items": _items(sl), "share_url": share, "owner": True}
    )


def shortlist_shared(request: HttpRequest, token: str) -> HttpResponse:
    """The read-only page anyone with the link sees."""
    sl = get_object_or_404(Shortlist, token=token)
    return render(request, "advisor/shortlist.html", {"sl": sl, "items": _items(sl), "owner": False})


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
