"""Place consistency: the one rule every way in (admin forms, the report importer, partner
submissions, the models' full_clean) applies, so a case can never sit in 上海市 and 长沙市 at once.

It needs only a region's level, parent, code and name (`Place`), so it imports no model and the
models call it without an import loop."""

from __future__ import annotations

from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class Place(Protocol):
    """What the rule reads of a region (institutions.models.Region is one)."""

    pk: Any
    code: str
    name: str
    level: str
    parent_id: Any


def _level_error(region: Place, wanted: str) -> str:
    names = {"province": _("a province"), "city": _("a prefecture-level city"), "district": _("a district")}
    return _("%(name)s is not %(level)s.") % {"name": region.name, "level": names[wanted]}


def check_places(province: Place | None, city: Place | None, district: Place | None) -> None:
    """Raise ValidationError, keyed by field, when the places do not nest: a city must be inside its
    province, a district inside its city (or, in a municipality without cities, its province), and
    each at its own level. Any of the three may be empty; an empty one constrains nothing."""
    errors: dict[str, list[str]] = {}
    for field, region in (("province", province), ("city", city), ("district", district)):
        if region is not None and region.level != field:
            errors.setdefault(field, []).append(_level_error(region, field))
    if errors:
        raise ValidationError(errors)
    if city is not None and province is not None and city.parent_id != province.pk:
        errors["city"] = [
            _("%(city)s is not in %(province)s.") % {"city": city.name, "province": province.name}
        ]
    if district is not None:
        if city is not None:
            if district.parent_id != city.pk:
                errors["district"] = [
                    _("%(district)s is not in %(city)s.") % {"district": district.name, "city": city.name}
                ]
        elif province is not None and district.code[:2] != province.code[:2]:
            errors["district"] = [
                _("%(district)s is not in %(province)s.")
                % {"district": district.name, "province": province.name}
            ]
    if errors:
        raise ValidationError(errors)
