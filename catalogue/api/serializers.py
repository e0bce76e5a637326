"""Small nested representations every resource shares, so a reference looks the same everywhere."""

from rest_framework import serializers

from institutions.models import Institution, Region
from products.models import Category


class RegionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "name_en"]


class HeadOfficeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = ["id", "name"]


class InstitutionRefSerializer(serializers.ModelSerializer):
    head_office = HeadOfficeRefSerializer(allow_null=True, read_only=True)

    class Meta:
        model = Institution
        fields = ["id", "name", "short_name", "kind", "head_office"]


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name", "name_en"]


class SourceSerializer(serializers.Serializer):
    document = serializers.CharField(source="document.file_name")
    part = serializers.CharField()
    locator = serializers.CharField()
    excerpt = serializers.CharField()
