"""Reads of institutions shared by pages and the API: an institution's family and tree."""

from __future__ import annotations

from institutions.models import Institution


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
