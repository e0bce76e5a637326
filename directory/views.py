"""Pages for institutions (with their branch tree) and regions: each brings together what an
institution or a place offers, did, reported and issued, so this app sits above institutions,
products and policies and none of them imports it."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.listing import FacetSpec, build_list_page, export_list, group_count, list_context
from catalogue.orderings import NEWEST_CASE, NEWEST_POLICY
from institutions import selectors as institution_selectors
from institutions.facets import kind_labels, region_labels
from institutions.filters import InstitutionFilter
from institutions.models import Institution, Metric, Region
from institutions.serializers import InstitutionSerializer
from policies.models import Policy
from products import selectors as product_selectors
from products.models import Case

INSTITUTION_FACETS = [
    FacetSpec("kind", gettext_lazy("Kind"), group_count("kind"), kind_labels, multiple=True),
    FacetSpec("province", gettext_lazy("Province"), group_count("province_id"), region_labels),
]
INSTITUTION_SORTS = [("name", gettext_lazy("Name")), ("-modified", gettext_lazy("Recently updated"))]
DETAIL_LIMIT = 50


def institution_list(request: HttpRequest) -> HttpResponse:
    queryset = product_selectors.with_record_counts(Institution.objects.for_listing())
    listing = build_list_page(
        request, InstitutionFilter, queryset, INSTITUTION_FACETS, default_ordering="name"
    )
    context = list_context(
        listing, [], sorts=INSTITUTION_SORTS, noun=_("institutions"), page_title=_("Institutions")
    )
    return render(request, "institutions/institution_list.html", context)


def institution_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    queryset = Institution.objects.for_listing().prefetch_related("aliases")
    return export_list(
        request,
        InstitutionFilter,
        queryset,
        InstitutionSerializer,
        fmt=fmt,
        name="institutions",
        default_ordering="name",
    )


def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inst = get_object_or_404(Institution.objects.for_listing().prefetch_related("aliases"), pk=pk)
    family = institution_selectors.institution_family(inst)
    root = next((i for i in family if i.pk == (inst.head_office_id or inst.pk)), inst)
    below = institution_selectors.below(inst, family)
    cases = product_selectors.cases_at(below)
    products = product_selectors.products_at(below)
    return render(
        request,
        "institutions/institution_detail.html",
        {
            "inst": inst,
            "chain": institution_selectors.chain(inst, family),
            "tree": institution_selectors.tree(root, family),
            "products": products[:DETAIL_LIMIT],
            "product_total": products.count(),
            "cases": cases[:DETAIL_LIMIT],
            "case_total": cases.count(),
            "metrics": Metric.objects.published()
            .filter(institution_id__in=below)
            .select_related("institution")
            .prefetch_related("sources__document")
            .order_by("institution__name", "as_of", "key"),
            "issued": Policy.objects.published()
            .filter(Q(issuer=inst) | Q(co_issuers=inst))
            .distinct()
            .order_by(NEWEST_POLICY, "key")[:DETAIL_LIMIT],
            "group_id": root.pk,
        },
    )


def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region.objects.select_related("parent", "parent__parent"), code=code)
    field = {"province": "province", "city": "city", "district": "district"}[region.level]
    cases = Case.objects.published().for_listing().filter(**{field: region}).order_by(NEWEST_CASE, "-id")
    institutions = Institution.objects.for_listing().filter(**{field: region}).order_by("name_sort", "name")
    policies = (
        Policy.objects.published()
        .select_related("issuer", "province", "city")
        .filter(**{field: region})
        .order_by(NEWEST_POLICY, "key")
    )
    cities = []
    if region.level == Region.Level.PROVINCE:
        by_city = product_selectors.case_counts_by("city", province=region)
        cities = sorted(Region.objects.filter(code__in=by_city), key=lambda r: (-by_city[r.code], r.code))
        for c in cities:
            c.n = by_city[c.code]
    if (
        not (cases.exists() or institutions.exists() or policies.exists())
        and region.level == Region.Level.DISTRICT
    ):
        raise Http404(_("No records in this region."))
    return render(
        request,
        "institutions/region_detail.html",
        {
            "region": region,
            "cases": cases[:DETAIL_LIMIT],
            "case_total": cases.count(),
            "institutions": institutions[:DETAIL_LIMIT],
            "institution_total": institutions.count(),
            "policies": policies[:DETAIL_LIMIT],
            "policy_total": policies.count(),
            "cities": cities,
            "list_param": "city" if region.level == Region.Level.CITY else "province",
        },
    )


def region_list(request: HttpRequest) -> HttpResponse:
    """Provinces with how much the catalogue holds for each."""
    by_province = product_selectors.case_counts_by("province")
    policies = dict(
        Policy.objects.published()
        .exclude(province=None)
        .order_by()
        .values_list("province")
        .annotate(n=Count("id"))
        .values_list("province", "n")
    )
    provinces = list(Region.objects.filter(level=Region.Level.PROVINCE).order_by("code"))
    for p in provinces:
        p.cases, p.policies = by_province.get(p.code, 0), policies.get(p.code, 0)
    peak = max([p.cases for p in provinces] + [1])
    return render(request, "institutions/region_list.html", {"provinces": provinces, "peak": peak})
