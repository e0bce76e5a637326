"""Reads of institutions and places shared by pages, forms, the API and the loader: an institution's
family and tree, and the one rule by which a written place name finds its region."""

from __future__ import annotations

from django.db.models import Q

from institutions.models import Institution, Region


def institution_family(institution: Institution) -> list[Institution]:
    """The whole tree the institution belongs to (its head office and every branch), one query."""
    root = institution.head_office or institution
    return list(Institution.objects.family_of(root).select_related("province", "city"))


def below(institution: Institution, family: list[Institution]) -> set[int]:
    """Ids of the institution and everything under it in the tree (a branch and its sub-branches)."""
    found, frontier = {institution.pk}, {institution.pk}
    while frontier:
        frontier = {i.pk for i in family if i.parent_id in frontier} - found
        found |= frontier
    return found


def tree(root: Institution, family: list[Institution]) -> list[dict]:
    """Nested [{institution, children}] under `root`, from the flat family."""
    children: dict[int | None, list[Institution]] = {}
    for i in family:
        children.setdefault(i.parent_id, []).append(i)

    def build(node: Institution, depth: int = 0) -> dict:
        kids = sorted(children.get(node.pk, []), key=lambda i: i.name)
        return {"institution": node, "children": [build(k, depth + 1) for k in kids] if depth < 6 else []}

    return [build(root)]


def chain(institution: Institution, family: list[Institution]) -> list[Institution]:
    """The institution's ancestors, head office first."""
    by_pk = {i.pk: i for i in family}
    out, node = [], institution
    while node.parent_id and len(out) < 10:
        node = by_pk.get(node.parent_id)
        if node is None:
            break
        out.insert(0, node)
    return out


def regions_named(name: str, level: str, within: Region | None = None) -> list[Region]:
    """The regions at `level` that `name` names: its GB/T 2260 code, full name or short name, and
    inside `within` (a province, or a city for a district) when one is given. Exactly one is an
    answer; none is unknown, several ambiguous, and each caller says so in its own words."""
    rows = Region.objects.filter(Q(code=name) | Q(name=name) | Q(short_name=name), level=level)
    if within is not None:
        rows = rows.filter(code__startswith=within.code[: 2 if within.level == "province" else 4])
    return list(rows.order_by("code"))
