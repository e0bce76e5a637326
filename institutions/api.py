from rest_framework import viewsets

from institutions.filters import InstitutionFilter, RegionFilter
from institutions.models import Institution, Region
from institutions.serializers import InstitutionSerializer, RegionSerializer


class InstitutionViewSet(viewsets.ReadOnlyModelViewSet):
    """Institutions with their place in the head office → branch hierarchy."""

    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilter
    queryset = Institution.objects.for_listing().prefetch_related("aliases").order_by("name")


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """GB/T 2260 regions: provinces, prefecture-level cities and counties."""

    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    queryset = Region.objects.order_by("code")
