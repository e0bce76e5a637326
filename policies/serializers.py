from rest_framework import serializers

from catalogue.api.serializers import (
    STATUS_HELP,
    TIMESTAMPS,
    SourceSerializer,
    VocabularySerializer,
    record_fields,
)
from catalogue.models import Status
from institutions.serializers import HeadOfficeRefSerializer, RegionRefSerializer
from policies.models import Policy, Topic


class TopicSerializer(VocabularySerializer):
    class Meta(VocabularySerializer.Meta):
        model = Topic
        extra_kwargs = {"slug": {"help_text": "Stable identifier of the topic."}}


class PolicySerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="heading", read_only=True, help_text="The heading as written.")
    issuer = HeadOfficeRefSerializer(allow_null=True, read_only=True, help_text="The issuing institution.")
    province = RegionRefSerializer(allow_null=True, read_only=True)
    city = RegionRefSerializer(allow_null=True, read_only=True)
    topics = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True, help_text="Topic slugs."
    )
    themes = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True, help_text="Theme slugs."
    )
    sources = SourceSerializer(many=True, read_only=True)
    status = serializers.ChoiceField(
        choices=Status.choices,
        read_only=True,
        help_text=STATUS_HELP,
    )
    key_measures = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Short statements of the key measures."
    )

    class Meta:
        model = Policy
        fields = record_fields(
            "title", "document_title", "issuer", "level", "province", "city", "issued_date", "summary",
            "key_measures", "topics", "themes",
        )  # fmt: skip
        extra_kwargs = {
            "document_title": {"help_text": "The document's title inside 《》, without them."},
            "issued_date": {"help_text": "Issue date; null when the document gives none."},
            **TIMESTAMPS,
        }
