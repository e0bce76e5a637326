from rest_framework import serializers

from catalogue.api.serializers import HeadOfficeRefSerializer, RegionRefSerializer
from institutions.models import Institution, Region


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Region
        fields = ["code", "name", "short_name", "name_en", "level", "parent", "longitude", "latitude"]


class InstitutionSerializer(serializers.ModelSerializer):
    parent = HeadOfficeRefSerializer(allow_null=True, read_only=True)
    head_office = HeadOfficeRefSerializer(allow_null=True, read_only=True)
    aliases = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    province = RegionRefSerializer(allow_null=True, read_only=True)
    city = RegionRefSerializer(allow_null=True, read_only=True)

    class Meta:
        model = Institution
        fields = [
            "id",
            "name",
            "short_name",
            "aliases",
            "kind",
            "parent",
            "head_office",
            "province",
            "city",
            "created",
            "modified",
        ]
