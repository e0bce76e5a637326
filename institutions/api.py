import django_filters as filters
from django.db.models import Q, QuerySet

from catalogue.api.filters import NameSearchFilterSet
from catalogue.api.views import CatalogueViewSet
from institutions.filters import InstitutionFilter, RegionFilter
from institutions.models import Institution, Metric, Region, family_q
from institutions.serializers import (
    InstitutionDetailSerializer,
    InstitutionSerializer,
    MetricSerializer,
    RegionSerializer,
)


class InstitutionViewSet(CatalogueViewSet):
    """Institutions with their place in the head office → branch → sub-branch hierarchy.
    `head_office=<id>` lists all branches of a head office; a detail lists its direct branches."""

    serializer_class = InstitutionSerializer
    detail_serializer_class = InstitutionDetailSerializer
    filterset_class = InstitutionFilter
    queryset = Institution.objects.for_listing().prefetch_related("aliases").order_by("name_sort", "name")
    ordering_fields = {"name": "name_sort", "kind": "kind", "created": "created", "modified": "modified"}

    def get_detail_queryset(self) -> QuerySet:
        return self.get_queryset().prefetch_related("branches")


class RegionApiFilter(RegionFilter, NameSearchFilterSet):
    """The regions FilterSet plus `q` on code and names."""

    search_fields = ("code", "name", "short_name", "name_en")

    class Meta(RegionFilter.Meta):
        fields = ["q", *RegionFilter.Meta.fields]


class RegionViewSet(CatalogueViewSet):
    """GB/T 2260 regions: provinces, prefecture-level cities and districts, by code."""

    serializer_class = RegionSerializer
    filterset_class = RegionApiFilter
    queryset = Region.objects.order_by("code")
    ordering_fields = {"code": "code", "name": "name"}


class MetricFilter(filters.FilterSet):
    # No web page lists metrics yet; this FilterSet should move to institutions/filters.py when one does.
    q = filters.CharFilter(
        method="filter_q", max_length=200, help_text="Words in the indicator or institution name."
    )
    institution = filters.ModelChoiceFilter(
        queryset=Institution.objects.all(),
        method="filter_institution",
        help_text="Institution id; a head office includes its branches.",
    )
    unit = filters.CharFilter(help_text="Unit, e.g. CNY, %, count.")
    as_of_after = filters.DateFilter(
        field_name="as_of", lookup_expr="gte", help_text="As of on or after (YYYY-MM-DD)."
    )
    as_of_before = filters.DateFilter(
        field_name="as_of", lookup_expr="lte", help_text="As of on or before (YYYY-MM-DD)."
    )

    class Meta:
        model = Metric
        fields = ["q", "institution", "unit", "as_of_after", "as_of_before"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(indicator__icontains=value) | Q(institution__name__icontains=value) | Q(period__icontains=value)
        )

    def filter_institution(self, queryset: QuerySet, name: str, value: Institution) -> QuerySet:
        return queryset.filter(family_q(value, "institution")) if value else queryset


class MetricViewSet(CatalogueViewSet):
    """Figures institutions reported (表8), each with its period and sources."""

    serializer_class = MetricSerializer
    filterset_class = MetricFilter
    queryset = Metric.objects.for_listing().order_by("institution__name", "as_of", "id")
    ordering_fields = {"as_of": "as_of", "value": "value", "indicator": "indicator", "modified": "modified"}
