from rest_framework import serializers

from catalogue.api.serializers import RecordSerializer, VocabularySerializer, help_texts, record_fields
from institutions.serializers import HeadOfficeRefSerializer, RegionRefSerializer
from policies.models import Policy, Topic

# What the API says about the model fields this module's resources show (the schema publishes it):
# one table, each serializer's Meta reading its model's row.
FIELD_HELP = {
    Topic: {"slug": "Stable identifier of the topic."},
    Policy: {
        "document_title": "The document's title inside 《》, without them.",
        "issued_date": "Issue date; null when the document gives none.",
    },
}


class TopicSerializer(VocabularySerializer):
    class Meta(VocabularySerializer.Meta):
        model = Topic
        extra_kwargs = help_texts(FIELD_HELP[Topic])


class PolicySerializer(RecordSerializer):
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
    key_measures = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Short statements of the key measures."
    )

    class Meta:
        model = Policy
        fields = record_fields(
            "title",
            "document_title",
            "issuer",
            "level",
            "province",
            "city",
            "issued_date",
            "summary",
            "key_measures",
            "topics",
            "themes",
        )
        extra_kwargs = help_texts(FIELD_HELP[Policy])
