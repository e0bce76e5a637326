from catalogue.api.filters import NameSearchFilterSet
from catalogue.api.views import CatalogueViewSet
from policies.filters import PolicyFilter
from policies.models import Policy, Topic
from policies.serializers import PolicySerializer, TopicSerializer
from products.history import HistoryMixin


class PolicyViewSet(HistoryMixin, CatalogueViewSet):
    """Policy notices by regulators and governments, newest first."""

    serializer_class = PolicySerializer
    filterset_class = PolicyFilter
    queryset = Policy.objects.for_listing().order_by("-issued_date", "key")


class TopicFilter(NameSearchFilterSet):
    search_fields = ("slug", "name", "name_en")

    class Meta:
        model = Topic
        fields = ["q"]


class TopicViewSet(CatalogueViewSet):
    """Topics policy notices are filed under."""

    serializer_class = TopicSerializer
    filterset_class = TopicFilter
    queryset = Topic.objects.order_by("position", "slug")
    lookup_field = "slug"
    ordering_fields = {"position": "position", "slug": "slug"}
