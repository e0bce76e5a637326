from rest_framework import viewsets

from policies.filters import PolicyFilter
from policies.models import Policy
from policies.serializers import PolicySerializer


class PolicyViewSet(viewsets.ReadOnlyModelViewSet):
    """Published policy notices, newest first."""

    serializer_class = PolicySerializer
    filterset_class = PolicyFilter
    queryset = Policy.objects.published().for_listing().order_by("-issued_date", "key")
