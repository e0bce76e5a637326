"""Change history of products, cases and policy notices (django-simple-history), as the API and
the record pages show it: who, when, which field, old → new."""

from __future__ import annotations

from typing import Any

from django.db.models import ForeignKey, Model
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.fields import SkipField
from rest_framework.request import Request
from rest_framework.response import Response


class _NameField(serializers.CharField):
    """Present on foreign-key changes only (absent, not null, on other fields)."""

    def get_attribute(self, instance):
        if self.field_name not in instance:
            raise SkipField
        return super().get_attribute(instance)


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)
    old_name = _NameField(
        allow_null=True, required=False, help_text="A related record's name (institution, product, region)."
    )
    new_name = _NameField(
        allow_null=True, required=False, help_text="A related record's name (institution, product, region)."
    )


class HistoryEntrySerializer(serializers.Serializer):
    date = serializers.DateTimeField()
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    user = serializers.CharField(allow_null=True, help_text="Username of who made the change; null: a load.")
    reason = serializers.CharField(allow_blank=True, help_text="e.g. import: <file> <locator>")
    changes = FieldChangeSerializer(many=True)


TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _json(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _name(field: ForeignKey, pk: Any) -> str | None:
    if pk in (None, ""):
        return None
    related = field.related_model._default_manager.filter(pk=pk).first()
    return str(related) if related is not None else None


def record_history(record: Model, limit: int = 100) -> list[dict[str, Any]]:
    """Newest first; each entry lists the fields that differ from the version before it."""
    versions = list(record.history.select_related("history_user").order_by("-history_date", "-history_id"))
    out = []
    for i, version in enumerate(versions[:limit]):
        before = versions[i + 1] if i + 1 < len(versions) else None
        changes = []
        if before is not None:
            for c in version.diff_against(before).changes:
                change = {"field": c.field, "old": _json(c.old), "new": _json(c.new)}
                field = record._meta.get_field(c.field)
                if isinstance(field, ForeignKey):
                    # Ids stay (v1 grows only by adding); the names beside them are what people read.
                    change["old_name"], change["new_name"] = _name(field, c.old), _name(field, c.new)
                changes.append(change)
        out.append(
            {
                "date": version.history_date,
                "type": TYPES.get(version.history_type, "changed"),
                "user": version.history_user.get_username() if version.history_user else None,
                "reason": version.history_change_reason or "",
                "changes": changes,
            }
        )
    return out


def last_change(record: Model) -> Any:
    """The newest history entry of a record (for "last changed" on its page), or None."""
    return record.history.select_related("history_user").order_by("-history_date", "-history_id").first()


class HistoryMixin:
    """`GET …/{id}/history/` on a viewset of a model with `history = HistoricalRecords()`."""

    @extend_schema(
        summary="Change history of one record",
        description="Every saved change, newest first: when, who (null for loads), the reason "
        "(imports name their file and locator) and each changed field with its old and new value. "
        "Foreign keys are given by id, with the related record's name beside it (old_name, new_name).",
        responses=HistoryEntrySerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        return Response(HistoryEntrySerializer(record_history(record), many=True).data)
