"""Pages for policy notices."""

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.listing import build_list_page, export_list, list_context
from catalogue.orderings import NEWEST_CASE
from policies.facets import POLICY_FACETS
from policies.filters import PolicyFilter
from policies.models import Policy
from policies.serializers import PolicySerializer
from products.models import Case, Product

POLICY_SORTS = [
    ("-date", gettext_lazy("Newest")),
    ("date", gettext_lazy("Oldest")),
    ("title", gettext_lazy("Title")),
]


def policy_list(request: HttpRequest) -> HttpResponse:
    queryset = Policy.objects.published().for_listing()
    listing = build_list_page(request, PolicyFilter, queryset, POLICY_FACETS, default_ordering="-date")
    context = list_context(
        listing,
        ["issued_after", "issued_before"],
        sorts=POLICY_SORTS,
        noun=_("policy notices"),
        page_title=_("Policy notices"),
    )
    return render(request, "policies/policy_list.html", context)


def policy_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    queryset = Policy.objects.published().for_listing()
    return export_list(
        request, PolicyFilter, queryset, PolicySerializer, fmt=fmt, name="policies", default_ordering="-date"
    )


def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    policy = get_object_or_404(
        Policy.objects.published()
        .select_related("issuer", "province", "city", "district")
        .prefetch_related("co_issuers", "topics", "themes", "categories", "sources__document"),
        pk=pk,
    )
    categories = list(policy.categories.all())
    products = (
        Product.objects.published()
        .select_related("institution", "category")
        .filter(Q(policies=policy) | Q(category__in=categories) | Q(category__parent__in=categories))
        .distinct()
        .order_by("name_sort", "name")[:30]
    )
    cases = (
        Case.objects.published()
        .for_listing()
        .filter(product__in=policy.products.all())
        .order_by(NEWEST_CASE, "-id")[:20]
    )
    return render(
        request,
        "policies/policy_detail.html",
        {"policy": policy, "categories": categories, "products": products, "cases": cases},
    )
