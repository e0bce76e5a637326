from rest_framework import serializers

from catalogue.api.serializers import HeadOfficeRefSerializer, RegionRefSerializer, SourceSerializer
from policies.models import Policy


class PolicySerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="heading", read_only=True)
    issuer = HeadOfficeRefSerializer(allow_null=True, read_only=True)
    province = RegionRefSerializer(allow_null=True, read_only=True)
    city = RegionRefSerializer(allow_null=True, read_only=True)
    topics = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    themes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    sources = SourceSerializer(many=True, read_only=True)

    class Meta:
        model = Policy
        fields = [
            "id",
            "key",
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
            "sources",
            "created",
            "modified",
        ]
