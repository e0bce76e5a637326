from rest_framework import serializers

from catalogue.api.serializers import (
    CategoryRefSerializer,
    InstitutionRefSerializer,
    RegionRefSerializer,
    SourceSerializer,
)
from products.models import Case, Category, Product, Theme


class ThemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["slug", "name", "name_en"]


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Category
        fields = ["slug", "name", "name_en", "parent"]


class ProductSerializer(serializers.ModelSerializer):
    institution = InstitutionRefSerializer(allow_null=True, read_only=True)
    category = CategoryRefSerializer(read_only=True)
    themes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    sources = SourceSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "key",
            "name",
            "name_is_descriptive",
            "institution",
            "category",
            "themes",
            "target_clients",
            "collateral",
            "description",
            "sources",
            "created",
            "modified",
        ]


class CaseProductSerializer(serializers.ModelSerializer):
    category = CategoryRefSerializer(read_only=True)

    class Meta:
        model = Product
        fields = ["id", "name", "category"]


class CaseSerializer(serializers.ModelSerializer):
    institution = InstitutionRefSerializer(read_only=True)
    product = CaseProductSerializer(read_only=True)
    province = RegionRefSerializer(allow_null=True, read_only=True)
    city = RegionRefSerializer(allow_null=True, read_only=True)
    sources = SourceSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "key",
            "date",
            "amount",
            "currency",
            "term_months",
            "client",
            "institution",
            "product",
            "province",
            "city",
            "milestone",
            "summary",
            "sources",
            "created",
            "modified",
        ]
