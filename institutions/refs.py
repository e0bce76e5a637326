"""Institution and region references as the API writes them, held in process per catalogue version
(catalogue/api/rows.py says why): a few hundred institutions and ~3,200 regions, built with the
reference serializers themselves so the JSON is theirs."""

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
