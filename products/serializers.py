from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalogue.api.serializers import STATUS_HELP, TIMESTAMPS, SourceSerializer
from catalogue.models import Status
from institutions.serializers import InstitutionRefSerializer, RegionRefSerializer
from products.models import Case, Category, Product, Theme
from products.terms import terms_data


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name", "name_en"]


class ThemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["slug", "name", "name_en"]
        extra_kwargs = {"slug": {"help_text": "Stable identifier, e.g. green-finance."}}


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="Slug of the parent category; null at the top.",
    )

    class Meta:
        model = Category
        fields = ["slug", "name", "name_en", "parent"]
        extra_kwargs = {"slug": {"help_text": "Stable identifier, e.g. data-asset-pledge-loan."}}


class ProductSerializer(serializers.ModelSerializer):
    institution = InstitutionRefSerializer(
        allow_null=True, read_only=True, help_text="Who offers it; null when the document names no one."
    )
    category = CategoryRefSerializer(read_only=True)
    themes = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True, help_text="Theme slugs."
    )
    sources = SourceSerializer(many=True, read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True, help_text=STATUS_HELP)
    terms = serializers.SerializerMethodField(
        help_text="Structured terms re-read from the documents, each value with its source: "
        "programme_kind, amount, term, programme_size (objects or null), rates, collateral, labels, "
        "sizes, industries, regions, channels, support (lists). Null or empty where the documents "
        "are silent. Vocabularies as in fixtures/terms/vocabularies.json."
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "key",
            "status",
            "name",
            "name_is_descriptive",
            "institution",
            "category",
            "themes",
            "target_clients",
            "collateral",
            "description",
            "terms",
            "sources",
            "created",
            "modified",
        ]
        extra_kwargs = {
            "key": {"help_text": "Stable natural key (e.g. 003-t1-01; sub-… for partner submissions)."},
            "name": {"help_text": "As the document writes it."},
            **TIMESTAMPS,
        }

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_terms(self, product: Product) -> dict:
        return terms_data(product.terms.all())


class CaseProductSerializer(serializers.ModelSerializer):
    category = CategoryRefSerializer(read_only=True)

    class Meta:
        model = Product
        fields = ["id", "name", "category"]


class CaseSerializer(serializers.ModelSerializer):
    institution = InstitutionRefSerializer(read_only=True, help_text="The institution that did it.")
    product = CaseProductSerializer(read_only=True)
    province = RegionRefSerializer(allow_null=True, read_only=True)
    city = RegionRefSerializer(allow_null=True, read_only=True)
    sources = SourceSerializer(many=True, read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True, help_text=STATUS_HELP)

    class Meta:
        model = Case
        fields = [
            "id",
            "key",
            "status",
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
        extra_kwargs = {
            "key": {"help_text": "Stable natural key (e.g. 003-t1-01-c; sub-…-1 for partner submissions)."},
            "date": {"help_text": "Day of the case; null unless the document gives year, month and day."},
            "amount": {"help_text": "In currency units (27万美元 → 270000.00); null when not stated."},
            "currency": {"help_text": "ISO 4217 code; empty when no amount is stated."},
            "client": {"help_text": "The client as the document describes it."},
            "milestone": {"help_text": "The 'first' claim as written, e.g. 湖南省首笔."},
            **TIMESTAMPS,
        }
