from catalogue.api.filters import VocabularyFilter
from catalogue.api.views import CatalogueViewSet, VocabularyViewSet
from policies.filters import PolicyFilter
from policies.models import Policy, Topic
from policies.serializers import PolicySerializer, TopicSerializer
from products.history import HistoryMixin


class PolicyViewSet(HistoryMixin, CatalogueViewSet):
    """Policy notices by regulators and governments, newest first."""

    serializer_class = PolicySerializer
    filterset_class = PolicyFilter
    queryset = Policy.objects.for_listing().order_by("-issued_date", "key")


class TopicViewSet(VocabularyViewSet):
    """Topics policy notices are filed under."""

    serializer_class = TopicSerializer
    filterset_class = VocabularyFilter
    queryset = Topic.objects.order_by("position", "slug")
