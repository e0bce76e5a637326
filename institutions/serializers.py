from rest_framework import serializers

from catalogue.api.serializers import TIMESTAMPS, RecordSerializer, help_texts, record_fields
from institutions.models import Institution, Metric, Region

INSTITUTION_LEVELS = [("head-office", "head office"), ("branch", "branch"), ("sub-branch", "sub-branch")]

# What the API says about the model fields this module's resources show (the schema publishes it):
# one table, each serializer's Meta reading its model's row.
FIELD_HELP = {
    Institution: {
        "name": "Full name; unique.",
        "name_en": "English name: the institution's own where it has one, else composed from its "
        "head office, place and kind, or transliterated; `name_en_method` says which.",
        "name_en_method": "How `name_en` was obtained: `official` (the institution's own), `composed` "
        "(head office + place + Branch/Sub-branch, or a body's standard English form) or "
        "`transliterated` (some or all of it in pinyin).",
    },
    Metric: {
        "indicator": "The indicator as written.",
        "value": "In base units of `unit` (CNY, USD, %, count …).",
        "unit": "CNY, USD, %, pct-point, bp, count, households, accounts …",
        "as_of": "Date the figure refers to; null when only a period is given.",
        "period": "The period as written, e.g. 截至2024年4月末.",
    },
}


class RegionRefSerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True, help_text="GB/T 2260 six-digit code, e.g. 430000")

    class Meta:
        model = Region
        fields = ["code", "name", "name_en"]


class HeadOfficeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = ["id", "name"]


class InstitutionRefSerializer(serializers.ModelSerializer):
    head_office = HeadOfficeRefSerializer(
        allow_null=True, read_only=True, help_text="The head office of a branch; null for a head office."
    )

    class Meta:
        model = Institution
        fields = ["id", "name", "short_name", "kind", "head_office"]


class RegionSerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True, help_text="GB/T 2260 six-digit code, e.g. 430000.")
    parent = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Code of the region above; null for a province."
    )

    class Meta:
        model = Region
        fields = ["code", "name", "short_name", "name_en", "level", "parent", "longitude", "latitude"]


class BranchRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = ["id", "name", "kind"]


class InstitutionSerializer(serializers.ModelSerializer):
    parent = HeadOfficeRefSerializer(
        allow_null=True, read_only=True, help_text="The institution one level up; null for a head office."
    )
    head_office = HeadOfficeRefSerializer(
        allow_null=True, read_only=True, help_text="The top of the hierarchy; null for a head office."
    )
    level = serializers.ChoiceField(
        choices=INSTITUTION_LEVELS,
        read_only=True,
        help_text="Place in the hierarchy: head-office, branch or sub-branch.",
    )
    aliases = serializers.SlugRelatedField(
        slug_field="name", many=True, read_only=True, help_text="Other names the documents use (工行)."
    )
    province = RegionRefSerializer(allow_null=True, read_only=True)
    city = RegionRefSerializer(allow_null=True, read_only=True)

    class Meta:
        model = Institution
        fields = [
            "id",
            "name",
            "name_en",
            "name_en_method",
            "short_name",
            "aliases",
            "kind",
            "level",
            "parent",
            "head_office",
            "province",
            "city",
            "created",
            "modified",
        ]
        extra_kwargs = help_texts(FIELD_HELP[Institution]) | TIMESTAMPS


class InstitutionDetailSerializer(InstitutionSerializer):
    branches = BranchRefSerializer(
        many=True,
        read_only=True,
        help_text="Direct branches; all branches of a head office: /api/v1/institutions/?head_office=<id>.",
    )

    class Meta(InstitutionSerializer.Meta):
        fields = [*InstitutionSerializer.Meta.fields, "branches"]


class MetricSerializer(RecordSerializer):
    institution = InstitutionRefSerializer(read_only=True, help_text="Who reported the figure.")

    class Meta:
        model = Metric
        fields = record_fields("institution", "indicator", "value", "unit", "as_of", "period")
        extra_kwargs = help_texts(FIELD_HELP[Metric])
