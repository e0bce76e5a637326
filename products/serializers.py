from functools import cache
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalogue.api.rows import PlainFields, VersionedMap, sources_by_record
from catalogue.api.serializers import RecordSerializer, VocabularySerializer, help_texts, record_fields
from catalogue.versioning import catalogue_version
from institutions.refs import institution_refs, region_refs
from institutions.serializers import InstitutionRefSerializer, RegionRefSerializer
from products.models import Case, Category, Product, Theme
from products.terms import terms_data

# What the API says about the model fields this module's resources show (the schema publishes it):
# one table, each serializer's Meta reading its model's row.
FIELD_HELP = {
    Theme: {"slug": "Stable identifier, e.g. green-finance."},
    Category: {"slug": "Stable identifier, e.g. data-asset-pledge-loan."},
    Product: {
        "key": "Stable natural key (e.g. 003-t1-01; sub-… for partner submissions).",
        "name": "As the document writes it.",
    },
    Case: {
        "key": "Stable natural key (e.g. 003-t1-01-c; sub-…-1 for partner submissions).",
        "date": "Day of the case; null unless the document gives year, month and day.",
        "amount": "In currency units (27万美元 → 270000.00); null when not stated.",
        "currency": "ISO 4217 code; empty when no amount is stated.",
        "client": "The client as the document describes it.",
        "milestone": "The 'first' claim as written, e.g. 湖南省首笔.",
    },
}


class CategoryRefSerializer(VocabularySerializer):
    class Meta(VocabularySerializer.Meta):
        model = Category


class ThemeSerializer(VocabularySerializer):
    class Meta(VocabularySerializer.Meta):
        model = Theme
        extra_kwargs = help_texts(FIELD_HELP[Theme])


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
        extra_kwargs = help_texts(FIELD_HELP[Category])


class ProductSerializer(RecordSerializer):
    institution = InstitutionRefSerializer(
        allow_null=True, read_only=True, help_text="Who offers it; null when the document names no one."
    )
    category = CategoryRefSerializer(read_only=True)
    themes = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True, help_text="Theme slugs."
    )
    terms = serializers.SerializerMethodField(
        help_text="Structured terms re-read from the documents, each value with its source: "
        "programme_kind, amount, term, programme_size (objects or null), rates, collateral, labels, "
        "sizes, industries, regions, channels, support (lists). Null or empty where the documents "
        "are silent. Vocabularies as in fixtures/terms/vocabularies.json."
    )

    class Meta:
        model = Product
        fields = record_fields(
            "name",
            "name_is_descriptive",
            "institution",
            "category",
            "themes",
            "target_clients",
            "collateral",
            "description",
            "terms",
        )
        extra_kwargs = help_texts(FIELD_HELP[Product])

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_terms(self, product: Product) -> dict:
        return terms_data(product.terms.all())


class CaseProductSerializer(serializers.ModelSerializer):
    category = CategoryRefSerializer(read_only=True)

    class Meta:
        model = Product
        fields = ["id", "name", "category"]


class CaseListSerializer(serializers.ListSerializer):
    """Many cases in one call of the case writer (two queries, not two per case)."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        cases = list(data.all() if hasattr(data, "all") else data)
        return write_cases(cases, catalogue_version()) if cases else []


class CaseSerializer(RecordSerializer):
    """The fields are the contract and the schema; the JSON is `write_cases`'s (below), the one
    writer of a case in Python."""

    institution = InstitutionRefSerializer(read_only=True, help_text="The institution that did it.")
    product = CaseProductSerializer(read_only=True)
    province = RegionRefSerializer(allow_null=True, read_only=True)
    city = RegionRefSerializer(allow_null=True, read_only=True)

    class Meta:
        model = Case
        fields = record_fields(
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
        )
        extra_kwargs = help_texts(FIELD_HELP[Case])
        list_serializer_class = CaseListSerializer

    def to_representation(self, instance: Case) -> dict[str, Any]:
        return write_cases([instance], catalogue_version())[0]


# --- the case JSON, written once ---------------------------------------------------------------
#
# CaseSerializer's fields above are the contract (the schema is generated from them); its JSON is
# written by `write_cases` below, from the cases' own rows plus one query for their products and
# one for their sources (catalogue/api/rows.py says why), for a list or a single case alike.
# On PostgreSQL the API reads the same JSON from the database (products/api.py case_json_sql),
# and the tests compare the two.


def _categories() -> dict[int, dict]:
    rows = list(Category.objects.order_by("pk"))
    return {c.pk: ref for c, ref in zip(rows, CategoryRefSerializer(rows, many=True).data, strict=True)}


category_refs = VersionedMap(_categories)

CASE_REFS = ("institution", "product", "province", "city", "sources")


@cache
def case_plain() -> PlainFields:
    return PlainFields(CaseSerializer, [f for f in CaseSerializer.Meta.fields if f not in CASE_REFS])


def write_cases(cases: list[Case], version: str) -> list[dict[str, Any]]:
    """Cases as CaseSerializer writes them (rows.py says why), from the cases' own rows plus one
    query for their products' names and one for their sources."""
    ids = [c.pk for c in cases]
    named = Product.objects.filter(pk__in={c.product_id for c in cases}).order_by()
    named = list(named.values_list("pk", "name", "category_id"))
    categories = category_refs.get(version, {category for _pk, _name, category in named})
    products = {
        pk: {"id": pk, "name": name, "category": categories[category]} for pk, name, category in named
    }
    sources = sources_by_record(Case, ids)
    institutions = institution_refs.get(version, {c.institution_id for c in cases})
    regions = region_refs.get(version, {c.province_id for c in cases} | {c.city_id for c in cases})
    plain = case_plain()
    out = []
    for c in cases:
        row = plain.write(c)
        refs = {
            "institution": institutions[c.institution_id],
            "product": products[c.product_id],
            "province": regions[c.province_id] if c.province_id is not None else None,
            "city": regions[c.city_id] if c.city_id is not None else None,
            "sources": sources.get(c.pk, []),
        }
        out.append({name: row[name] if name in row else refs[name] for name in CaseSerializer.Meta.fields})
    return out
