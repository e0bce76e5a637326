"""Faceted list pages: one FilterSet (shared with the API) plus facet counts and pagination.

Query budget, whatever the page size and the filters: the filter values are validated once, the
search runs once, each facet is one GROUP BY over "every filter but this facet's own", facet labels
come from one query per vocabulary, and the page is a count plus one query (plus the queryset's own
prefetches). Facets are cached per filter state until the catalogue changes, since on a million
cases they are the costly part. Invalid values are reported on the page and left out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import Count, F, QuerySet
from django.http import Http404, HttpRequest, HttpResponseBadRequest, QueryDict
from django.http.response import HttpResponseBase
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from catalogue.api.exports import PAGE_EXPORT_FORMATS, RowWriter, export_response
from catalogue.filters import RELEVANCE, SearchFilterSet
from catalogue.fulltext.query import ranked_slice
from catalogue.planner import joins_as_written
from catalogue.versioning import catalogue_version

PAGE_SIZES = (10, 20, 50, 100)
CONTROL_PARAMS = ("page", "page_size")


@dataclass
class FacetValue:
    value: str
    label: str
    count: int | None  # None: chosen but not counted (see _count_facets)
    selected: bool
    url: str
    children: list[FacetValue] = field(default_factory=list)


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue]
    multiple: bool = False
    clear_url: str = ""
    note: str = ""  # why the facet shows (a city without its province)

    @property
    def selected(self) -> list[FacetValue]:
        out = []
        for v in self.values:
            out += [v] if v.selected else []
            out += [c for c in v.children if c.selected]
        return out


@dataclass
class FacetSpec:
    """How to count one facet.

    count(queryset, filterset) → {value: n} over the queryset filtered by everything but this facet;
    labels(values) → {value: label} (one query at most); tree(counts, labels) may nest values.
    """

    name: str
    label: str
    count: Callable[[QuerySet, SearchFilterSet], dict[Any, int]]
    labels: Callable[[Iterable[Any]], dict[Any, str]]
    multiple: bool = False
    limit: int | None = None
    only_if: str | None = None  # show only when this other filter is set (city under province)
    key_type: Callable[[str], Any] = str  # how a URL value compares with a counted key (int for ids)
    tree: Callable[[dict[Any, int], Callable[[Any], FacetValue]], list[FacetValue]] | None = None


def count_distinct(qs: QuerySet, group: Any, distinct: Any = "pk") -> dict[Any, int]:
    """{group value: number of distinct `distinct` values} over `qs`.

    Written as COUNT(*) over SELECT DISTINCT rather than COUNT(DISTINCT …): on a million cases
    PostgreSQL answers the latter by walking an index in group order (2 s) and the former with
    hash aggregates (0.15 s)."""
    g = F(group) if isinstance(group, str) else group
    d = F(distinct) if isinstance(distinct, str) else distinct
    inner = qs.order_by().annotate(_g=g, _d=d).values_list("_g", "_d").distinct()
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (a search of punctuation only)
        return {}
    with connections[qs.db].cursor() as cursor:
        cursor.execute(f'SELECT "_g", COUNT(*) FROM ({sql}) AS pairs GROUP BY "_g"', params)
        return {g: n for g, n in cursor.fetchall() if g not in (None, "")}


def group_count(expression: Any) -> Callable[[QuerySet, SearchFilterSet], dict[Any, int]]:
    """Counts of rows per value of `expression` (a field path or an expression)."""

    def count(qs: QuerySet, fs: SearchFilterSet) -> dict[Any, int]:
        if qs.query.distinct:
            # A multi-value filter (OR over a many-to-many) joins rows that can repeat.
            return count_distinct(qs, expression)
        # Grouping by a many-to-many path is exact without DISTINCT: each (row, value) pair
        # occurs once in the join.
        if isinstance(expression, str):
            rows = qs.order_by().values(expression).annotate(n=Count("pk"))
            return {r[expression]: r["n"] for r in rows if r[expression] not in (None, "")}
        rows = qs.order_by().annotate(_v=expression).values("_v").annotate(n=Count("pk"))
        return {r["_v"]: r["n"] for r in rows if r["_v"] not in (None, "")}

    return count


# --- the list selector: what a list page and the API list both show ---------------------------

# Parameters that choose a page, an order, a format or a language, not which records match.
NOT_FILTERS = frozenset({"page", "page_size", "ordering", "format", "lang", "pagination", "cursor"})
# How long a count is kept: it is stamped with the catalogue version it was counted at, and any
# change the count could show moves the version, so this bounds memory only (as FACET_SECONDS).
COUNT_SECONDS = 3600


class RankedRows:
    """A relevance-ordered queryset as a paginator slices it: a page comes from the search's tier
    walk (`read`, given as a value by `select`) when it applies, so a page of `q=绿色` does not
    rank every match in SQL; otherwise the queryset is sliced as usual."""

    ordered = True

    def __init__(self, queryset: QuerySet, read: Callable[[QuerySet, int, int], list | None]) -> None:
        self.queryset = queryset
        self.read = read

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice) and index.step is None and index.stop is not None:
            rows = self.read(self.queryset, index.start or 0, index.stop)
            if rows is not None:
                return rows
        return self.queryset[index]


@dataclass
class Selection:
    """A list's records: filtered, ordered (relevance first when searched and no other order is
    asked for), and counted once per filter state and catalogue version, whichever surface asks."""

    queryset: QuerySet  # every filter and the order
    searched: QuerySet  # the search alone: the facets count from it
    words: str  # the search words ("" for none)
    relevance: bool  # in relevance order: a page may be read by the search's tier walk

    def rows(self, queryset: QuerySet | None = None) -> Any:
        """What a paginator slices: `queryset` (default: the selection's own; a caller may have
        narrowed its columns) read page by page in relevance order when that applies."""
        queryset = self.queryset if queryset is None else queryset
        if not self.relevance:
            return queryset
        return RankedRows(queryset, lambda qs, start, stop: ranked_slice(qs, self.words, start, stop))

    def count(
        self,
        *,
        scope: str,
        state: Iterable[tuple[str, str]],
        version: str,
        queryset: QuerySet | None = None,
        read: dict[str, Any] | None = None,
    ) -> int:
        """The number of records, kept per (list, filter state) with the catalogue version it was
        counted at (another version counts again): `scope` names the list (its path), whose base
        records the state does not say. `read`: cache entries already read ({key: value or None},
        the throttle's round trip: catalogue.resilience), so the count costs no trip of its own."""
        queryset = self.queryset if queryset is None else queryset
        kept = kept_count(scope, state, read)
        if kept is not None and kept[0] == version:
            return kept[1]
        count = queryset.count()
        cache.set(count_key(scope, state), (version, count), COUNT_SECONDS)
        return count


def kept_count(
    scope: str, state: Iterable[tuple[str, str]], read: dict[str, Any] | None = None
) -> tuple[str, int] | None:
    """(catalogue version, count) as a list's count was last kept, whatever the version now;
    from `read` when the entry was read already (Selection.count)."""
    key = count_key(scope, state)
    kept = read[key] if read is not None and key in read else cache.get(key)
    return kept if isinstance(kept, tuple) and len(kept) == 2 else None


def count_key(scope: str, state: Iterable[tuple[str, str]]) -> str:
    """The cache key of a list's kept count: the list and its filters, not the page, order or
    format. The version is in the value, so the key is known from the request alone (and read
    in the same round trip as the throttle's window)."""
    filters = sorted((k, v) for k, v in state if k not in NOT_FILTERS and v != "")
    return "list-count:" + hashlib.sha256(f"{scope}|{filters}".encode()).hexdigest()


def select(fs: SearchFilterSet) -> Selection:
    """The records a validated FilterSet selects: the search run once, then every other filter
    and the order. Relevance is an ordering like the others (`ordering=relevance`), and the one a
    list has when it has search words and no other order is asked for."""
    cleaned = fs.form.cleaned_data
    words = (cleaned.get("q") or "").strip()
    searched = fs.filters["q"].filter(fs.queryset, cleaned.get("q"))
    queryset = fs.filter_queryset(searched, exclude={"q"})
    ordering = cleaned.get("ordering") or [RELEVANCE]
    return Selection(queryset, searched, words, bool(words) and ordering[0] == RELEVANCE)


def toggled(params: QueryDict, name: str, value: str, multiple: bool) -> str:
    """The query string with `value` switched on or off for `name` (page reset)."""
    q = params.copy()
    for p in CONTROL_PARAMS[:1]:
        q.pop(p, None)
    current = q.getlist(name)
    if value in current:
        current.remove(value)
    elif multiple:
        current.append(value)
    else:
        current = [value]
    if current:
        q.setlist(name, current)
    else:
        q.pop(name, None)
    return "?" + q.urlencode()


def without(params: QueryDict, *names: str) -> str:
    q = params.copy()
    for n in (*names, "page"):
        q.pop(n, None)
    return "?" + q.urlencode()


@dataclass
class ListPage:
    filterset: SearchFilterSet
    page: Page
    facets: list[Facet]
    errors: dict[str, list[str]]
    params: QueryDict
    total: int
    page_size: int
    facet_key: str = ""  # the facets' cache key: the pages keep their sidebar under it (catalogue_tags)

    @property
    def active(self) -> list[tuple[str, str, str]]:
        """(filter label, value label, url without it) for the chips above the results: every
        facet value chosen, then every other filter in force (dates, amounts, text inputs). The
        search words show in the search box instead."""
        chips = []
        for f in self.facets:
            chips += [
                (f.label, v.label, toggled(self.params, f.name, v.value, f.multiple)) for v in f.selected
            ]
        shown = {f.name for f in self.facets} | {"q", "ordering"}
        cleaned = self.filterset.form.cleaned_data
        for name, flt in self.filterset.filters.items():
            value = cleaned.get(name)
            if name in shown or value in (None, "", [], ()):
                continue
            chips.append((str(flt.label), self.value_label(name, value), without(self.params, name)))
        return chips

    def value_label(self, name: str, value: Any) -> str:
        """A filter value as a reader would write it: amounts with their unit."""
        if isinstance(value, list | tuple | QuerySet):
            return "、".join(str(v) for v in value)
        if hasattr(value, "isoformat"):
            return value.isoformat()
        if name.startswith("amount_"):
            return amount_with_unit(value, self.filterset.form.cleaned_data.get("currency") or "CNY")
        return str(value)

    @property
    def labelled_errors(self) -> dict[str, list[str]]:
        """The errors keyed by the words the page uses for each parameter, never its name."""
        return {field_label(self.filterset, name): messages for name, messages in self.errors.items()}

    @property
    def has_filters(self) -> bool:
        return any(k not in (*CONTROL_PARAMS, "ordering", "lang") and v for k, v in self.params.lists())

    def inputs(self, names: Iterable[str]) -> list[dict[str, Any]]:
        """Free-form filter inputs (dates, amounts, text) for the sidebar form."""
        out = []
        for name in names:
            f = self.filterset.filters[name]
            kind = type(f).__name__
            typ = "date" if "Date" in kind else "number" if "Number" in kind else "text"
            unit = ""
            if name.startswith("amount_"):
                # Amount bounds apply within one currency: the one chosen, else yuan.
                currency = self.filterset.form.cleaned_data.get("currency") or "CNY"
                unit = str(_("yuan")) if currency == "CNY" else currency
            out.append(
                {
                    "name": name,
                    "label": f.label,
                    "type": typ,
                    "value": self.params.get(name, ""),
                    "unit": unit,
                }
            )
        return out

    def hidden(self, exclude: Iterable[str]) -> list[tuple[str, str]]:
        """The other parameters, carried as hidden inputs so a form submit keeps the state."""
        skip = {*exclude, "page"}
        return [(k, v) for k, vs in self.params.lists() if k not in skip for v in vs]

    @property
    def export_query(self) -> str:
        """The filters and order, for the export buttons (every matching record, so no page)."""
        q = self.params.copy()
        for k in (*CONTROL_PARAMS, "lang"):
            q.pop(k, None)
        return q.urlencode()

    @property
    def clear_url(self) -> str:
        kept = QueryDict(mutable=True)
        for k in ("ordering", "page_size", "lang"):
            if k in self.params:
                kept[k] = self.params[k]
        return "?" + kept.urlencode()


def amount_with_unit(value: Any, currency: str) -> str:
    """`5,000,000 元` for yuan, `5,000,000 USD` otherwise: an amount never shows without its unit."""
    number = f"{value:,.2f}".rstrip("0").rstrip(".") if value is not None else ""
    if currency == "CNY":
        return str(_("%(amount)s yuan")) % {"amount": number}
    return f"{number} {currency}"


def field_label(filterset: SearchFilterSet, name: str) -> str:
    """The words a page uses for a parameter (its filter's label), never the parameter's name."""
    if name in filterset.filters:
        return str(filterset.filters[name].label)
    return str({"page": _("Page"), "page_size": _("Per page")}.get(name, name))


def list_ordering(data: QueryDict, default: str) -> str:
    """The order a list has when none is asked for: relevance when there are search words (as the
    API), else the list's default."""
    return RELEVANCE if (data.get("q") or "").strip() else default


def build_list_page(
    request: HttpRequest,
    filterset_class: type[SearchFilterSet],
    queryset: QuerySet,
    facets: list[FacetSpec],
    *,
    default_ordering: str,
    default_page_size: int = 20,
) -> ListPage:
    """A faceted list page: the request's filters validated (what is wrong is reported and left
    out), the list selector's records, their facets and one page of them."""
    params = request.GET.copy()
    errors: dict[str, list[str]] = {}
    page_size = _page_size(params, default_page_size, errors)
    fs = _valid_filterset(request, filterset_class, queryset, params, default_ordering, errors)

    # Search once; every facet and the list start from its result.
    selection = select(fs)
    version = catalogue_version()
    cache_key = _facet_cache_key(request, params, fs.filters.keys(), version)
    facet_objs = cache.get(cache_key)
    if facet_objs is None:
        facet_objs = _count_facets(facets, fs, selection.searched, params)
        cache.set(cache_key, facet_objs, FACET_SECONDS)
    state = _filter_state(params, fs.filters.keys())
    total = selection.count(scope=request.path, state=state, version=version)

    paginator = Paginator(selection.rows(), page_size)
    paginator.count = total  # a cached_property: set, it is not counted again
    asked = (request.GET.get("page") or "").strip()
    page = paginator.get_page(asked)
    with joins_as_written():  # the rows' select_related chain (planner.py says why)
        page.object_list = list(page.object_list)
    if asked and asked != str(page.number):
        # Say so rather than silently showing another page than the one asked for.
        if asked.isdigit() and int(asked) > page.number:
            message = _("There are only %(n)s pages; this is the last.") % {"n": paginator.num_pages}
        else:
            message = _("A page number is a whole number from 1; this is the first page.")
        errors["page"] = [str(message)]
    return ListPage(fs, page, facet_objs, errors, params, paginator.count, page_size, cache_key)


def _page_size(params: QueryDict, default: int, errors: dict[str, list[str]]) -> int:
    """The page size asked for, or the default with an error (and the parameter dropped)."""
    if "page_size" not in params:
        return default
    try:
        size = int(params["page_size"])
        if size in PAGE_SIZES:
            return size
    except ValueError:
        pass
    errors["page_size"] = [str(_("Choose 10, 20, 50 or 100 per page."))]
    params.pop("page_size")
    return default


def _valid_filterset(
    request: HttpRequest,
    filterset_class: type[SearchFilterSet],
    queryset: QuerySet,
    params: QueryDict,
    default_ordering: str,
    errors: dict[str, list[str]],
) -> SearchFilterSet:
    """The FilterSet of the page's filters, validated: what was wrong is reported in `errors` and
    left out of `params`, so the page still answers with the rest. A reversed range is reported on
    its lower bound and both bounds are left out."""
    data = params.copy()
    for p in CONTROL_PARAMS:
        data.pop(p, None)
    data.setdefault("ordering", list_ordering(data, default_ordering))
    fs = filterset_class(data, queryset=queryset, request=request)
    if fs.is_valid():
        return fs
    errors.update({k: [str(e) for e in v] for k, v in fs.form.errors.items()})
    partners = {lo: hi for lo, hi in fs.ranges} | {hi: lo for lo, hi in fs.ranges}
    for name in list(fs.form.errors):
        for n in (name, partners.get(name)):
            data.pop(n, None)
            params.pop(n, None)
    fs = filterset_class(data, queryset=queryset, request=request)
    fs.is_valid()
    return fs


FACET_SECONDS = 3600


def _filter_state(params: QueryDict, known: Iterable[str]) -> list[tuple[str, str]]:
    """The filters in force, in a canonical order: made-up parameters (?zz=1, ?zz=2, …) and
    empty fields are left out, so they mint no new cache entries."""
    names = set(known)
    return sorted((k, v) for k, vs in params.lists() if k in names for v in vs if v)


def _facet_cache_key(
    request: HttpRequest, params: QueryDict, known: Iterable[str] = (), version: str | None = None
) -> str:
    """Facet counts depend on the filters (not the page or the order), the language of the
    labels, and the catalogue's state — which `catalogue_version` stamps."""
    # The page size too: the facet links carry it along. The key is a fixed-size hash.
    state = _filter_state(params, {*known, "page_size"})
    raw = f"{request.path}|{get_language()}|{version or catalogue_version()}|{state}"
    return "facets:" + hashlib.sha256(raw.encode()).hexdigest()


def _count_facets(
    facets: list[FacetSpec], fs: SearchFilterSet, searched: QuerySet, params: QueryDict
) -> list[Facet]:
    cleaned = fs.form.cleaned_data
    # A facet shown only under another (city under province) still shows when its own value is
    # in the URL, so a `city=` link without its province is visible and removable.
    shown = [s for s in facets if not s.only_if or cleaned.get(s.only_if) or cleaned.get(s.name)]
    return [_facet(spec, fs, searched, params) for spec in shown]


def _facet(spec: FacetSpec, fs: SearchFilterSet, searched: QuerySet, params: QueryDict) -> Facet:
    """One facet: its values counted over every filter but its own, labelled, nested if a tree."""
    counts, chosen = _facet_counts(spec, fs, searched, params)
    labels = spec.labels(list(counts)) if counts else {}

    def make(value: Any) -> FacetValue:
        v = str(value)
        return FacetValue(
            value=v,
            label=labels.get(value, v),
            count=counts.get(value, 0),
            selected=v in chosen,
            url=toggled(params, spec.name, v, spec.multiple),
        )

    if spec.tree:
        values = spec.tree(counts, make)
    else:
        values = sorted(
            (make(k) for k in counts), key=lambda fv: (fv.count is None, -(fv.count or 0), fv.label)
        )
    note = ""
    if spec.only_if and not fs.form.cleaned_data.get(spec.only_if):
        only_if = fs.filters[spec.only_if].label
        note = str(_("Set by the link without a %(parent)s: the list shows only this %(name)s.")) % {
            "parent": only_if,
            "name": spec.label,
        }
    return Facet(
        spec.name, str(spec.label), values, spec.multiple, clear_url=without(params, spec.name), note=note
    )


def _facet_counts(
    spec: FacetSpec, fs: SearchFilterSet, searched: QuerySet, params: QueryDict
) -> tuple[dict[Any, int | None], set[str]]:
    """({value: count} of one facet, the values chosen in the URL)."""
    base = fs.filter_queryset(searched, exclude={"q", spec.name, "ordering"})
    counts: dict[Any, int | None] = spec.count(base, fs)
    chosen = {v for v in params.getlist(spec.name) if v}
    if spec.multiple and chosen and fs.form.cleaned_data.get(spec.name):
        counts = _widened_counts(spec, fs, base, counts, chosen)
    if spec.limit:
        keep = sorted(counts, key=lambda k: -counts[k])[: spec.limit]
        counts = {k: v for k, v in counts.items() if k in keep or str(k) in chosen}
    # A chosen value the counts do not cover (it matches nothing under the other filters, or it is
    # a branch while the facet counts head offices) still shows, without a number, so it can be
    # seen and removed; the empty state's suggestions are built from these.
    for key in {spec.key_type(v) for v in chosen - {str(k) for k in counts}}:
        counts[key] = None
    return counts, chosen


def _widened_counts(
    spec: FacetSpec, fs: SearchFilterSet, base: QuerySet, counts: dict[Any, int], chosen: set[str]
) -> dict[Any, int]:
    """Counts for a multi-value (OR) facet with values already chosen: beside an unchosen value v,
    the size of the list a click gives, |others ∧ (chosen ∨ v)| = |others ∧ chosen| +
    |others ∧ v ∧ ¬chosen|. Two queries whatever the number of values: the chosen total, and one
    GROUP BY over the rows matching none of the chosen values. Chosen values keep their own count
    (a click removes them)."""
    matching = fs.filters[spec.name].filter(base, fs.form.cleaned_data[spec.name])
    chosen_total = matching.order_by().values("pk").distinct().count()
    rest = base.exclude(pk__in=matching.order_by().values("pk"))
    extra = spec.count(rest, fs)
    widened = {k: n for k, n in counts.items() if str(k) in chosen}
    for k in counts:
        if str(k) not in chosen:
            widened[k] = chosen_total + extra.get(k, 0)
    return widened


def export_list(
    request: HttpRequest,
    filterset_class: type[SearchFilterSet],
    queryset: QuerySet,
    serializer_class: type,
    *,
    fmt: str,
    name: str,
    default_ordering: str,
    write: RowWriter | None = None,
) -> HttpResponseBase:
    """A web list's CSV, XLSX or JSON button: every record the list's filters match, in its order,
    with the API's columns (sources among them: the provenance) under headers in both languages.
    Parameters a list would ignore with a message make the export a 400 with the same words."""
    if fmt not in PAGE_EXPORT_FORMATS:
        raise Http404
    data = request.GET.copy()
    for p in (*CONTROL_PARAMS, "lang"):
        data.pop(p, None)
    data.setdefault("ordering", list_ordering(data, default_ordering))
    fs = filterset_class(data, queryset=queryset, request=request)
    if not fs.is_valid():
        lines = [f"{field_label(fs, k)}: {' '.join(str(e) for e in v)}" for k, v in fs.form.errors.items()]
        return HttpResponseBadRequest("\n".join(lines), content_type="text/plain; charset=utf-8")
    queryset = fs.qs
    if write is not None:  # a row writer reads the records' own rows (catalogue/api/rows.py)
        queryset = queryset.select_related(None).prefetch_related(None)
    return export_response(
        queryset=queryset,
        serializer_class=serializer_class,
        context={"request": request},
        fmt=fmt,
        name=name,
        readable_headers=True,
        write=write,
    )


def list_context(listing: ListPage, input_names: Iterable[str], **extra: Any) -> dict[str, Any]:
    """The template context every faceted list page shares. With search words, the sorts offer
    relevance first (the order the list then has unless another is chosen)."""
    names = list(input_names)
    if "sorts" in extra and (listing.filterset.form.cleaned_data.get("q") or "").strip():
        extra["sorts"] = [(RELEVANCE, _("Most relevant")), *extra["sorts"]]
    return {
        "listing": listing,
        "inputs": listing.inputs(names),
        "hidden": listing.hidden(["q", *names]),
        "page_sizes": PAGE_SIZES,
        "export_formats": PAGE_EXPORT_FORMATS,
        **extra,
    }
