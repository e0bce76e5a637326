"""Institution and region references as the API writes them, held in process per catalogue version
(catalogue/api/rows.py says why): a few hundred institutions and ~3,200 regions, built with the
reference serializers themselves so the JSON is theirs."""

from django.db import connection

from catalogue.api.rows import VersionedMap
from institutions.models import Institution, Region
from institutions.serializers import InstitutionRefSerializer, RegionRefSerializer


def _institutions() -> dict[int, dict]:
    rows = Institution.objects.select_related("head_office").order_by("pk")
    return {ref["id"]: ref for ref in InstitutionRefSerializer(rows, many=True).data}


def _regions() -> dict[str, dict]:
    rows = list(Region.objects.order_by("pk"))
    return {
        region.pk: ref for region, ref in zip(rows, RegionRefSerializer(rows, many=True).data, strict=True)
    }


institution_refs = VersionedMap(_institutions)
region_refs = VersionedMap(_regions)


def institution_ref_sql(key: str) -> str:
    """SQL of the institution whose id is `key`, as InstitutionRefSerializer writes it (null when
    `key` is null), for the JSON PostgreSQL writes (catalogue/api/rows.py)."""
    table = connection.ops.quote_name(Institution._meta.db_table)
    return (
        "(SELECT json_build_object('id', i.id, 'name', i.name, 'short_name', i.short_name, "
        "'kind', i.kind, 'head_office', CASE WHEN h.id IS NULL THEN NULL "
        "ELSE json_build_object('id', h.id, 'name', h.name) END) "
        f"FROM {table} i LEFT JOIN {table} h ON h.id = i.head_office_id WHERE i.id = {key})"
    )


def region_ref_sql(key: str) -> str:
    """SQL of the region whose code is `key`, as RegionRefSerializer writes it (null when null)."""
    table = connection.ops.quote_name(Region._meta.db_table)
    return (
        "(SELECT json_build_object('code', r.code, 'name', r.name, 'name_en', r.name_en) "
        f"FROM {table} r WHERE r.code = {key})"
    )
