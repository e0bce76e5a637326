"""Workflow writes on institutions. The admin and the loader both go through these, so the stored
hierarchy (`head_office`) can never disagree with the parent links."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from institutions.models import Institution, InstitutionAlias


def _descendants(institution: Institution) -> set[int]:
    """Ids of everything below `institution` by parent links (a few levels at most)."""
    below: set[int] = set()
    frontier = {institution.pk}
    while frontier:
        frontier = (
            set(Institution.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - below
        )
        below |= frontier
    return below


def institution_check_parent(*, institution: Institution, parent: Institution | None) -> None:
    """Raise ValidationError when `parent` is the institution itself or below it (a loop)."""
    if parent is None or not institution.pk:
        return
    if parent.pk == institution.pk or parent.pk in _descendants(institution):
        raise ValidationError(
            {
                "parent": _("%(parent)s is below %(name)s; it cannot be its parent.")
                % {"parent": parent.name, "name": institution.name}
            }
        )


@transaction.atomic
def institution_set_parent(*, institution: Institution, parent: Institution | None) -> Institution:
    """Put `institution` under `parent` (None: make it a head office) and rewrite `head_office` for
    it and its whole subtree. Refuses a parent inside its own subtree (a loop)."""
    institution_check_parent(institution=institution, parent=parent)
    below = _descendants(institution) if institution.pk else set()
    root = None
    if parent is not None:
        parent = Institution.objects.select_related("head_office").get(pk=parent.pk)
        root = parent.head_office or parent
    changed = institution.parent_id != (parent.pk if parent else None) or institution.head_office_id != (
        root.pk if root else None
    )
    institution.parent, institution.head_office = parent, root
    if changed and institution.pk:
        institution.save(update_fields=["parent", "head_office", "modified"])
    # Everything below now belongs to the new root (or to this institution, if it became a head office).
    new_root = root or institution
    if below:
        # Saved one by one (a subtree is small) so receivers such as the search index see each move.
        for branch in Institution.objects.filter(pk__in=below).exclude(head_office=new_root):
            branch.head_office = new_root
            branch.save(update_fields=["head_office", "modified"])
    return institution


def institution_add_alias(*, institution: Institution, name: str) -> InstitutionAlias | None:
    """Keep `name` as another name of `institution` (工行 for 中国工商银行, 建行某市分行 for
    中国建设银行某市分行), so the resolver finds it by either. A name that is already some
    institution's name or alias is left as it is (an alias names one institution); returns the alias,
    or None when nothing was added."""
    name = name.strip()
    if not name or name == institution.name:
        return None
    if Institution.objects.filter(name=name).exists() or InstitutionAlias.objects.filter(name=name).exists():
        return None
    return InstitutionAlias.objects.create(institution=institution, name=name)
