"""Keeping the search index current.

Records change through the loader, the admin and partner submissions. Every change marks the
records whose indexed text it affects (`mark`): a renamed product marks itself, its cases (they
carry its name) and the policies that name it; an alias added to a head office marks it, its
branches and everything they offer or issued. Marks are resolved and written in one batch
(`flush`) when the transaction commits, and also before any search runs in the same transaction,
so a search always sees the writes before it. Documents are rebuilt from the database at flush
time, so a mark left over from a rolled-back transaction is harmless: it rewrites what is there.

Status is deliberately not indexed: every search joins the index with the caller's queryset, which
says what may be shown (published for the public pages), so a bulk publish or withdraw through
`QuerySet.update()` (no signals) is right at once.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save

from catalogue.fulltext import query
from catalogue.fulltext.backends import KINDS, backend_for
from institutions.models import Institution, InstitutionAlias, Region
from policies.models import Policy, PolicySource, Topic
from products.models import Case, CaseSource, Category, Product, ProductSource, Theme
from search import documents

BATCH = 1000

_local = threading.local()


def _pending() -> dict[str, dict[int, bool]]:
    """kind (a record kind, or a vocabulary: region, category, theme, topic) → {id: with dependents}."""
    if not hasattr(_local, "pending"):
        _local.pending = defaultdict(dict)
    return _local.pending


def mark(kind: str, ids: Iterable, *, dependents: bool = False) -> None:
    """Note that these records' indexed text may have changed; written at commit (or next search)."""
    pending = _pending()[kind]
    added = False
    for i in ids:
        if i is None:
            continue
        pending[i] = pending.get(i, False) or dependents
        added = True
    if added:
        # Outside a transaction this runs at once; inside, after the outermost commit.
        transaction.on_commit(flush)


def index_objects(objs: Iterable[models.Model], *, dependents: bool = True) -> None:
    """Reindex these records now (and, by default, the records that carry their names)."""
    by_kind: dict[str, list] = defaultdict(list)
    for o in objs:
        by_kind[o._meta.model_name].append(o.pk)
    for kind, ids in by_kind.items():
        mark(kind, ids, dependents=dependents)
    flush()


def remove_objects(
    objs: Iterable[models.Model] | None = None, *, kind: str = "", ids: Iterable[int] = ()
) -> None:
    """Drop records from the index (given as objects, or as a kind and ids)."""
    by_kind: dict[str, list] = defaultdict(list)
    for o in objs or ():
        by_kind[o._meta.model_name].append(o.pk)
    if kind:
        by_kind[kind] += list(ids)
    backend = backend_for(connection)
    with connection.cursor() as cursor:
        for k, id_list in by_kind.items():
            if k in KINDS and id_list:
                backend.replace(cursor, k, id_list, [])
                for i in id_list:
                    _pending()[k].pop(i, None)


def _ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


Targets = dict[str, set[int]]


def _through(relation, field: str, ids: set[int], column: str) -> set[int]:
    """Ids in `column` of a many-to-many table whose `field` is one of `ids`."""
    return set(relation.through.objects.filter(**{f"{field}__in": ids}).values_list(column, flat=True))


def _add_cases(out: Targets, cases) -> None:
    """Cases, and the products they are cases of (a product's text shows its cases' places)."""
    out["case"] |= _ids(cases)
    out["product"] |= set(cases.values_list("product_id", flat=True))


def _regions(codes: set[int], out: Targets, expand: Targets) -> None:
    where = Q(province_id__in=codes) | Q(city_id__in=codes) | Q(district_id__in=codes)
    institutions = _ids(Institution.objects.filter(where))
    out["institution"] |= institutions
    out["product"] |= _ids(Product.objects.filter(institution_id__in=institutions))
    _add_cases(out, Case.objects.filter(where))
    out["policy"] |= _ids(Policy.objects.filter(where))


def _categories(cats: set[int], out: Targets, expand: Targets) -> None:
    cats = cats | _ids(Category.objects.filter(parent_id__in=cats))
    products = _ids(Product.objects.filter(category_id__in=cats))
    out["product"] |= products
    expand.setdefault("product", set()).update(products)
    out["policy"] |= _through(Policy.categories, "category_id", cats, "policy_id")


def _themes(themes: set[int], out: Targets, expand: Targets) -> None:
    products = _through(Product.themes, "theme_id", themes, "product_id")
    out["product"] |= products
    expand.setdefault("product", set()).update(products)
    out["policy"] |= _through(Policy.themes, "theme_id", themes, "policy_id")


def _topics(topics: set[int], out: Targets, expand: Targets) -> None:
    out["policy"] |= _through(Policy.topics, "topic_id", topics, "policy_id")


def _institution_trees(insts: set[int], out: Targets) -> None:
    """An institution's names appear on its branches, and on what it and its branches offer, did
    and issued."""
    tree = insts | _ids(Institution.objects.filter(Q(head_office_id__in=insts) | Q(parent_id__in=insts)))
    out["institution"] |= tree
    out["product"] |= _ids(Product.objects.filter(institution_id__in=tree))
    _add_cases(out, Case.objects.filter(institution_id__in=tree))
    out["policy"] |= _ids(Policy.objects.filter(issuer_id__in=tree))
    out["policy"] |= _through(Policy.co_issuers, "institution_id", tree, "policy_id")


def _product_dependents(products: set[int], out: Targets) -> None:
    """A product's name, category and themes appear on its cases and the policies that name it."""
    out["case"] |= _ids(Case.objects.filter(product_id__in=products))
    out["policy"] |= _through(Policy.products, "product_id", products, "policy_id")


# Vocabulary rows, and the records that show their names.
VOCABULARY_DEPENDENTS = {"region": _regions, "category": _categories, "theme": _themes, "topic": _topics}


def _resolve(pending: dict[str, dict[int, bool]]) -> Targets:
    """Expand marks to every record whose text they change."""
    out: Targets = {k: set(pending.get(k, {})) for k in KINDS}
    expand = {k: {i for i, dep in v.items() if dep} for k, v in pending.items()}
    for kind, dependents in VOCABULARY_DEPENDENTS.items():
        if pending.get(kind):
            dependents(set(pending[kind]), out, expand)
    if expand.get("institution"):
        _institution_trees(expand["institution"], out)
    if expand.get("product"):
        _product_dependents(expand["product"], out)
    return out


def flush() -> None:
    """Write every pending change to the index (inside the current transaction, if any)."""
    pending = _pending()
    if not any(pending.values()):
        return
    snapshot = {k: dict(v) for k, v in pending.items() if v}
    pending.clear()
    targets = _resolve(snapshot)
    write(targets)


def write(targets: dict[str, Iterable[int]]) -> int:
    """Rebuild the index rows of these records from the database; missing ones are dropped."""
    backend = backend_for(connection)
    vocab = documents.Vocabulary()
    n = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for kind, ids in targets.items():
            ids = sorted(ids)
            for i in range(0, len(ids), BATCH):
                chunk = ids[i : i + BATCH]
                entries = documents.build(kind, chunk, vocab)
                backend.replace(cursor, kind, chunk, entries)
                n += len(entries)
    return n


def rebuild(kinds: Sequence[str] = KINDS, *, stdout=None) -> dict[str, int]:
    """Empty the index and index every record again (all statuses: the queries filter status)."""
    backend = backend_for(connection)
    counts = {}
    with transaction.atomic():
        with connection.cursor() as cursor:
            for kind in kinds:
                backend.clear(cursor, kind)
        for kind in kinds:
            model = documents.MODELS[kind]
            ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
            vocab = documents.Vocabulary()
            with connection.cursor() as cursor:
                for i in range(0, len(ids), BATCH):
                    chunk = ids[i : i + BATCH]
                    backend.replace(cursor, kind, [], documents.build(kind, chunk, vocab))
                    if stdout and i and i % (BATCH * 50) == 0:
                        stdout.write(f"  {kind}: {i}/{len(ids)}")
            counts[kind] = len(ids)
        with connection.cursor() as cursor:
            backend.optimise(cursor)
    _pending().clear()
    return counts


def index_loaded(parts: list[dict], institution_defs: list[dict]) -> None:
    """The loader's last step: reindex every record the curated files define, in one batch.

    The loader writes aliases and sources with bulk_create (no signals), so this, not the
    receivers, is what makes a load complete; records it did not touch are reindexed too, which
    costs a second on the curated catalogue and keeps the index right after any repair.
    """
    keys = {k: [r["key"] for p in parts for r in p.get(k, [])] for k in ("products", "cases", "policies")}
    targets = {
        "product": _ids(Product.objects.filter(key__in=keys["products"])),
        "case": _ids(Case.objects.filter(key__in=keys["cases"])),
        "policy": _ids(Policy.objects.filter(key__in=keys["policies"])),
        "institution": _ids(Institution.objects.filter(name__in=[d["name"] for d in institution_defs])),
    }
    for k, v in _resolve({k: dict(v) for k, v in _pending().items()}).items():
        targets[k] |= v
    _pending().clear()
    write(targets)


# Receivers -----------------------------------------------------------------------------------

_RECORDS = {Product: "product", Case: "case", Policy: "policy", Institution: "institution"}
_VOCABULARY = {Region: "region", Category: "category", Theme: "theme", Topic: "topic"}
_SOURCES = {
    ProductSource: ("product", "product_id"),
    CaseSource: ("case", "case_id"),
    PolicySource: ("policy", "policy_id"),
}


def _record_changed(sender, instance, **kwargs) -> None:
    kind = _RECORDS[sender]
    # Products and institutions lend their names to other records; a case lends its places and
    # institution to its product.
    mark(kind, [instance.pk], dependents=kind in ("product", "institution"))
    if kind == "case":
        mark("product", [instance.product_id])


def _record_deleted(sender, instance, **kwargs) -> None:
    kind = _RECORDS[sender]
    remove_objects(kind=kind, ids=[instance.pk])
    if kind == "case":
        mark("product", [instance.product_id])
    if kind == "institution":
        mark("institution", [instance.parent_id, instance.head_office_id])


def _alias_changed(sender, instance, **kwargs) -> None:
    mark("institution", [instance.institution_id], dependents=True)


def _vocabulary_changed(sender, instance, **kwargs) -> None:
    mark(_VOCABULARY[sender], [instance.pk], dependents=True)


def _source_changed(sender, instance, **kwargs) -> None:
    kind, attr = _SOURCES[sender]
    mark(kind, [getattr(instance, attr)])


def _m2m_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """Product.themes and the policy relations: the owner of the field carries the names."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    owner = Product if sender is Product.themes.through else Policy
    if not reverse:
        ids = [instance.pk]
    elif action == "pre_clear":
        field = next(f for f in sender._meta.fields if f.related_model is type(instance))
        ids = list(
            sender.objects.filter(**{field.name: instance.pk}).values_list(
                f"{owner._meta.model_name}_id", flat=True
            )
        )
    else:
        ids = list(pk_set or ())
    mark(owner._meta.model_name, ids, dependents=owner is Product)


def connect() -> None:
    """Called from the search app's ready(); dispatch_uid keeps it idempotent."""
    query.BEFORE_QUERY[:] = [flush]
    for model in _RECORDS:
        post_save.connect(_record_changed, sender=model, dispatch_uid=f"search-save-{model.__name__}")
        post_delete.connect(_record_deleted, sender=model, dispatch_uid=f"search-delete-{model.__name__}")
    for signal in (post_save, post_delete):
        signal.connect(_alias_changed, sender=InstitutionAlias, dispatch_uid=f"search-alias-{signal}")
        for model in _VOCABULARY:
            signal.connect(
                _vocabulary_changed, sender=model, dispatch_uid=f"search-vocab-{model.__name__}-{signal}"
            )
        for model in _SOURCES:
            signal.connect(
                _source_changed, sender=model, dispatch_uid=f"search-source-{model.__name__}-{signal}"
            )
    for through in (
        Product.themes.through,
        Policy.themes.through,
        Policy.topics.through,
        Policy.categories.through,
        Policy.products.through,
        Policy.co_issuers.through,
    ):
        m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"search-m2m-{through.__name__}")
