"""Pages of saved searches: save one (from a list or a match), edit its alerts, unsubscribe from
its email by the link in each digest, and its Atom feed."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from advisor import services
from advisor.models import SavedSearch
from products.models import Case

PATHS = {
    SavedSearch.Kind.PRODUCTS: "/products/",
    SavedSearch.Kind.CASES: "/cases/",
    SavedSearch.Kind.MATCH: "/match/",
}


def _back(request: HttpRequest) -> str:
    """The list or match the search was saved from (same site only), else the account page."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return reverse("advisor:shortlists")


class SavedSearchForm(forms.ModelForm):
    webhook_url = forms.URLField(
        required=False, max_length=500, assume_scheme="https", label=_lazy("webhook URL")
    )

    class Meta:
        model = SavedSearch
        fields = ["name", "email_alerts", "webhook_url"]

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data.get("webhook_url") or ""
        if url:
            services.check_webhook_url(url)
        return url


@login_required
@require_POST
def save_search(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    if kind not in SavedSearch.Kind.values:
        messages.error(request, _("Only product, case and match searches can be saved."))
        return redirect("advisor:shortlists")
    query = request.POST.get("query", "")[:2000]
    name = (request.POST.get("name") or "").strip()[:120] or f"{SavedSearch.Kind(kind).label} {query[:60]}"
    search = SavedSearch(owner=request.user, kind=kind, query=query, name=name)
    try:
        # The default name quotes the query: it is checked like a typed one.
        search.full_clean()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_back(request))
    search.save()
    # What matches today is the baseline: alerts report only what is published from now on.
    services.mark_seen(search, services.current_records(search))
    messages.success(request, _("Search saved. A daily email reports newly published records."))
    return redirect("advisor:saved-edit", pk=search.pk)


@login_required
def edit_search(request: HttpRequest, pk: int) -> HttpResponse:
    search = get_object_or_404(SavedSearch, pk=pk, owner=request.user)
    form = SavedSearchForm(request.POST or None, instance=search)
    if request.method == "POST":
        if request.POST.get("delete"):
            search.delete()
            messages.success(request, _("Saved search deleted."))
            return redirect("advisor:shortlists")
        if form.is_valid():
            form.save()
            messages.success(request, _("Saved."))
            return redirect("advisor:saved-edit", pk=search.pk)
    return render(
        request,
        "advisor/saved_search.html",
        {
            "search": search,
            "form": form,
            "open_url": f"{PATHS[search.kind]}?{search.query}",
            "deliveries": search.deliveries.all()[:20],
            "feed_url": request.build_absolute_uri(f"/saved/{search.token}/feed/"),
        },
    )


@login_required
@require_POST
def rotate_link(request: HttpRequest, pk: int) -> HttpResponse:
    """A new feed or unsubscribe link for the owner's search; the old one stops working."""
    search = get_object_or_404(SavedSearch, pk=pk, owner=request.user)
    which = request.POST.get("which", "")
    if which in services.ROTATABLE:
        services.saved_search_rotate(search=search, which=which)
        messages.success(request, _("New link made; the old one no longer works."))
    return redirect("advisor:saved-edit", pk=search.pk)


def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every digest: a confirmation page, and the POST that stops the emails. Opened
    again once the emails are off, it says so instead of offering the form a second time."""
    search = get_object_or_404(SavedSearch, unsubscribe_token=token)
    state = "ask" if search.email_alerts else "already"
    if request.method == "POST" and search.email_alerts:
        search.email_alerts = False
        search.save(update_fields=["email_alerts"])
        state = "done"
    return render(request, "advisor/unsubscribe.html", {"search": search, "state": state})


def _site_link(path: str) -> str:
    """The configured site URL + `path` in production; else the path, which the feed completes
    with the request's own scheme, host and port (not a fixed development address)."""
    return f"{settings.SITE_URL_CONFIGURED}{path}" if settings.SITE_URL_CONFIGURED else path


class SavedSearchFeed(Feed):
    """Atom feed of what a saved search matches now, newest first, for readers without an account."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, token: str) -> SavedSearch:
        search = SavedSearch.objects.filter(token=token).first()
        if search is None:
            raise Http404
        return search

    def title(self, obj: SavedSearch) -> str:
        return obj.name

    def link(self, obj: SavedSearch) -> str:
        return _site_link(f"{PATHS[obj.kind]}?{obj.query}")

    def subtitle(self, obj: SavedSearch) -> str:
        return _("Records matching a saved search of the SME finance catalogue.")

    def items(self, obj: SavedSearch) -> list:
        return services.current_records(obj)[:50]

    def item_title(self, item) -> str:  # noqa: ANN001
        return services.record_data(item)["title"]

    def item_description(self, item) -> str:  # noqa: ANN001
        return getattr(item, "description", "") or getattr(item, "summary", "") or ""

    def item_link(self, item) -> str:  # noqa: ANN001
        kind = "case" if isinstance(item, Case) else "product"
        return _site_link(reverse(f"products:{kind}-detail", args=[item.pk]))

    def item_updateddate(self, item):  # noqa: ANN001, ANN201
        return item.modified

    def item_pubdate(self, item):  # noqa: ANN001, ANN201
        return item.created
