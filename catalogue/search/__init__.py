"""Search across products, cases, institutions and policy notices.

Contract used by the FilterSets (`q` on every list) and the /search/ page:
    filter_queryset(queryset, q) -> queryset restricted to records matching q, most relevant first.
"""

from django.db.models import Q, QuerySet

# Columns searched per model until the indexed implementation replaces this.
_FIELDS = {
    "product": ["name", "description", "institution__name"],
    "case": ["product__name", "institution__name", "client", "summary"],
    "policy": ["heading", "document_title", "summary"],
    "institution": ["name", "short_name", "aliases__name"],
}


def filter_queryset(queryset: QuerySet, q: str) -> QuerySet:
    q = (q or "").strip()
    if not q:
        return queryset
    cond = Q()
    for field in _FIELDS[queryset.model._meta.model_name]:
        cond |= Q(**{f"{field}__icontains": q})
    return queryset.filter(pk__in=queryset.model.objects.filter(cond).values("pk"))
