"""The /search/ page: one query across products, cases, policy notices and institutions."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from catalogue.filters import MAX_QUERY_LENGTH
from search.results import cached_search


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.SearchInput(attrs={"placeholder": _("Product, bank, place, policy…")}),
    )


def results(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    found = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        found = cached_search(form.cleaned_data["q"])
    return render(
        request,
        "catalogue/search.html",
        {"form": form, "results": found, "q": form.cleaned_data.get("q", "") if form.is_valid() else ""},
        status=200 if form.is_valid() else 400,
    )
