"""Serializers every resource shares: provenance (sources) and the problem-details body of every error.
References to institutions, regions and categories live beside their models
(institutions/serializers.py, products/serializers.py)."""

from typing import Any

from rest_framework import serializers

from catalogue.models import Status

# Field documentation every record resource shares (one wording, one place).
STATUS_HELP = (
    "`published`; `withdrawn` appears only in modified_since syncs and means: delete it from your mirror."
)
TIMESTAMPS = {
    "created": {"help_text": "When the record entered the catalogue."},
    "modified": {"help_text": "Last change; what modified_since and the sync cursor follow."},
}


def record_fields(*own: str) -> list[str]:
    """A record resource's fields in the one order they all use: identity and review state, the
    record's own fields, then its provenance and timestamps."""
    return ["id", "key", "status", *own, "sources", "created", "modified"]


def help_texts(texts: dict[str, str]) -> dict[str, dict[str, str]]:
    """A serializer Meta's `extra_kwargs` from a {field: help text} table, so a module documents
    the model fields it shows in one table rather than in nested dicts inside each Meta."""
    return {name: {"help_text": text} for name, text in texts.items()}


# A row of one of our vocabularies (catalogue.models.Vocabulary) as every resource shows it; a
# comment, not a docstring, which drf-spectacular would publish as each subclass's description.
class VocabularySerializer(serializers.ModelSerializer):
    class Meta:
        fields = ["slug", "name", "name_en"]


class SourceSerializer(serializers.Serializer):
    """Provenance: where in which document the record is stated, with a verbatim excerpt."""

    document = serializers.CharField(
        source="document.file_name", help_text="The source document (file name, or URL for partner sources)."
    )
    part = serializers.CharField(help_text="Part of the document, e.g. 表1, 第五章.")
    locator = serializers.CharField(help_text="Where in the part, e.g. 表1 row 3.")
    excerpt = serializers.CharField(help_text="12–80 characters copied verbatim from the document.")


# A catalogue record (catalogue.models.Publishable) as every record resource shows it: its review
# state, its sources and its timestamps declared and documented once; each resource names its
# fields with record_fields. A comment, not a docstring (drf-spectacular would publish it).
class RecordSerializer(serializers.ModelSerializer):
    sources = SourceSerializer(many=True, read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True, help_text=STATUS_HELP)

    def get_extra_kwargs(self) -> dict[str, dict[str, Any]]:
        return TIMESTAMPS | super().get_extra_kwargs()


class ProblemFieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True,
        help_text="The input that failed: a query parameter (`page_size`), a dotted path in the body "
        "(`case.province`), `body`, `X-API-Key`, or null for the request as a whole.",
    )
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details (application/problem+json)."""

    type = serializers.CharField(
        help_text="Problem type URI (a tag URI; see the API description for the list)."
    )
    title = serializers.CharField(help_text="Short summary of the problem type.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong with this request.")
    instance = serializers.CharField(help_text="The path and query of the request.")
    errors = ProblemFieldErrorSerializer(many=True, help_text="One entry per failed input.")
