"""The numbers behind /insights/: a handful of grouped queries over the same FilterSets as the lists.

Every figure comes with the URL of the list it counts, built from the filters the list understands
plus the value of the bar or region, so following a link shows exactly that many rows."""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractYear, TruncMonth
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from catalogue.filters import SearchFilterSet
from catalogue.models import Status
from institutions.models import Institution, Region
from policies.models import Policy, Topic
from products.filters import CASE_SCOPED
from products.models import Case, Category, Theme

TOP = 15  # institutions and issuers shown in a ranking


@dataclass
class Filtered:
    """One FilterSet validated against the page's parameters: what it kept and what it refused."""

    fs: SearchFilterSet
    params: QueryDict  # only the parameters this FilterSet knows, and only valid ones
    errors: dict[str, list[str]]

    def qs(self, exclude: set[str] | frozenset[str] = frozenset()) -> QuerySet:
        return self.fs.filter_queryset(self.fs.queryset, exclude={"ordering", *exclude})

    def value(self, name: str) -> Any:
        return self.fs.form.cleaned_data.get(name)

    def url(self, list_name: str, **set_values: Any) -> str:
        """The list's URL for the current filters with `set_values` replacing theirs."""
        q = self.params.copy()
        for k, v in set_values.items():
            if v in (None, "", []):
                q.pop(k, None)
            elif isinstance(v, list):
                q.setlist(k, [str(x) for x in v])
            else:
                q[k] = str(v)
        query = q.urlencode()
        return reverse(list_name) + (f"?{query}" if query else "")


def _known_params(filterset_class: type[SearchFilterSet], params: QueryDict) -> QueryDict:
    """The non-empty values of the parameters this FilterSet knows (ordering aside)."""
    known = QueryDict(mutable=True)
    for name in filterset_class.base_filters:
        values = [v for v in params.getlist(name) if v != ""] if name != "ordering" else []
        if values:
            known.setlist(name, values)
    return known


def filtered(filterset_class: type[SearchFilterSet], queryset: QuerySet, params: QueryDict) -> Filtered:
    """Validate like the list pages do: report what was wrong and apply the rest."""
    known = _known_params(filterset_class, params)
    fs = filterset_class(known, queryset=queryset)
    errors: dict[str, list[str]] = {}
    if not fs.is_valid():
        errors = {k: [str(e) for e in v] for k, v in fs.form.errors.items()}
        for name in errors:
            known.pop(name, None)
        fs = filterset_class(known, queryset=queryset)
        fs.is_valid()
    return Filtered(fs, known, errors)


@dataclass
class Chart:
    """A chart and its data table: rows of (label cells…, figures…) each with the list it counts."""

    slug: str
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    kind: str = "bar"  # bar | stacked | grouped (series that overlap: side by side, never added up)
    series: list[dict[str, Any]] = field(default_factory=list)  # for stacked and grouped charts
    categories: list[str] = field(default_factory=list)
    note: str = ""
    value_index: int = 1  # the column a plain bar chart draws

    @property
    def rows_with_urls(self) -> list[tuple[list[Any], str]]:
        return list(zip(self.rows, self.urls, strict=True))

    @property
    def drawable(self) -> bool:
        """Worth a chart: two rows or more and a figure that is not zero. One row, or only zeros,
        would draw an empty axis; its table says the same at a glance."""
        if len(self.rows) < 2:
            return False
        if self.series:
            return any(d["value"] for s in self.series for d in s["data"])
        return any(row[self.value_index] for row in self.rows)

    @property
    def wide(self) -> bool:
        """A table with many columns: it goes under the chart at full width, not beside it."""
        return len(self.columns) > 5


def _month_bounds(month: dt.date, after: dt.date | None, before: dt.date | None) -> tuple[dt.date, dt.date]:
    """The month's first and last day, narrowed by the filter's own dates so the link counts the same."""
    first = month.replace(day=1)
    last = first.replace(day=monthrange(first.year, first.month)[1])
    return max(first, after) if after else first, min(last, before) if before else last


def _every_month(months: list[dt.date]) -> list[dt.date]:
    """Every month from the first to the last given, so the axis keeps the gaps between them
    (2018-04 is not drawn beside 2024-04)."""
    if not months:
        return []
    out, m = [], months[0].replace(day=1)
    while m <= months[-1]:
        out.append(m)
        m = (m + dt.timedelta(days=32)).replace(day=1)
    return out


def _region_names(codes: set[str]) -> dict[str, str]:
    return {r.code: r.display_name for r in Region.objects.filter(code__in=codes)}


def _ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _province_layer(
    counts: dict[str, int], filt: Filtered, list_name: str, names: dict[str, str], *, with_city: bool
) -> list[dict[str, Any]]:
    """One metric's provinces (only the chosen one when the filter names a province)."""
    keep, city = filt.value("province"), filt.value("city") if with_city else None
    return [
        {
            "code": code,
            "name": names.get(code, code),
            "value": n,
            "url": filt.url(list_name, province=code, city=city),
        }
        for code, n in _ranked(counts)
        if keep is None or keep.code == code
    ]


def _city_layer(
    counts: dict[str, int], filt: Filtered, list_name: str, names: dict[str, str], parents: dict[str, str]
) -> dict[str, list[dict[str, Any]]]:
    """One metric's cities grouped by their province (only the chosen city when the filter names one)."""
    chosen = filt.value("city")
    out: dict[str, list[dict[str, Any]]] = {}
    for code, n in _ranked(counts):
        if chosen is None or chosen.code == code:
            province = parents.get(code)
            out.setdefault(province, []).append(
                {
                    "code": code,
                    "name": names.get(code, code),
                    "value": n,
                    "url": filt.url(list_name, province=province, city=code),
                }
            )
    return out


def _product_cases(products: Filtered) -> QuerySet:
    """The cases by which a product counts in a place: ONE of its cases meets every case-level
    condition there (ProductFilter's rule), so products are grouped over those cases."""
    product_base = products.qs(set(CASE_SCOPED))
    conditions = products.fs.case_conditions(exclude={"province", "city"})
    return Case.objects.filter(status=Status.PUBLISHED, product__in=product_base, **conditions)


def province_maps(cases: Filtered, products: Filtered, policies: Filtered) -> dict[str, Any]:
    """Counts by province (cases, products, policy notices) and, for cases and products, by city."""
    case_qs = cases.qs({"province", "city"})
    product_cases = _product_cases(products)
    counts = {
        "cases": (_distinct_counts(case_qs, "province"), _distinct_counts(case_qs, "city")),
        "products": (
            _distinct_counts(product_cases, "province", "product"),
            _distinct_counts(product_cases, "city", "product"),
        ),
        "policies": (_distinct_counts(policies.qs({"province"}), "province"), {}),
    }
    cities = {code for _p, c in counts.values() for code in c}
    names = _region_names({code for p, c in counts.values() for code in (*p, *c)})
    parents = dict(Region.objects.filter(code__in=cities).values_list("code", "parent"))
    spec = {
        "cases": (_("Cases"), cases, "products:case-list"),
        "products": (_("Products"), products, "products:product-list"),
        "policies": (_("Policy notices"), policies, "policies:policy-list"),
    }
    return {
        key: {
            "label": label,
            "provinces": _province_layer(counts[key][0], filt, list_name, names, with_city=key != "policies"),
            "cities": _city_layer(counts[key][1], filt, list_name, names, parents),
        }
        for key, (label, filt, list_name) in spec.items()
    }


def _distinct_counts(qs: QuerySet, group: str, distinct: str = "pk") -> dict[Any, int]:
    rows = qs.order_by().values(group).annotate(n=Count(distinct, distinct=True))
    return {r[group]: r["n"] for r in rows if r[group] not in (None, "")}


@dataclass
class _Split:
    """Counts per (month, key) and how to show and link each key."""

    counts: dict[tuple[dt.date, str], int]
    labels: dict[str, str]
    order: list[str]
    param: str
    title: str
    overlapping: bool  # one record can count under several keys


def _months_by_category(cases: Filtered) -> _Split:
    chosen = cases.value("category")
    rows = (
        cases.qs()
        .exclude(date=None)
        .order_by()
        .values(m=TruncMonth("date"), k=F("product__category_id"))
        .annotate(n=Count("pk", distinct=True))
    )
    cats = {c.pk: c for c in Category.objects.all()}

    def key_of(pk: int) -> Category:
        # A category filter already narrows to one subtree: its bars are that category; else
        # each case counts under its top-level category (the list's category includes sub-trees).
        if chosen:
            return chosen
        c = cats[pk]
        while c.parent_id is not None:
            c = cats[c.parent_id]
        return c

    counts: dict[tuple[dt.date, str], int] = {}
    found: dict[str, Category] = {}
    for r in rows:
        c = key_of(r["k"])
        found[c.slug] = c
        key = (_as_date(r["m"]), c.slug)
        counts[key] = counts.get(key, 0) + r["n"]
    order = sorted(found, key=lambda s: (found[s].position, s))
    labels = {s: found[s].display_name for s in order}
    return _Split(counts, labels, order, "category", _("Cases per month by category"), overlapping=False)


def _months_by_theme(cases: Filtered) -> _Split:
    chosen_themes = {t.slug for t in cases.value("theme") or []}
    qs = cases.qs({"theme"})
    if chosen_themes:
        qs = qs.filter(product__themes__slug__in=chosen_themes)
    rows = (
        qs.exclude(date=None)
        .order_by()
        .values(m=TruncMonth("date"), k=F("product__themes__slug"))
        .annotate(n=Count("pk", distinct=True))
    )
    themes = {t.slug: t for t in Theme.objects.all()}
    counts = {(_as_date(r["m"]), r["k"]): r["n"] for r in rows if r["k"]}
    order = sorted({s for _m, s in counts}, key=lambda s: (themes[s].position, s))
    labels = {s: themes[s].display_name for s in order}
    return _Split(counts, labels, order, "theme", _("Cases per month by theme"), overlapping=True)


def cases_by_month(cases: Filtered, by: str) -> Chart:
    """Cases per month split by top-level category (`by="category"`) or by theme (`by="theme"`).

    The table lists the months with cases; the chart's axis has every month between the first and
    the last, so time keeps its scale. A product can have several themes, so theme bars stand side
    by side (a case counts under each of its themes) instead of being stacked into a false total."""
    after, before = cases.value("date_after"), cases.value("date_before")
    split = _months_by_category(cases) if by == "category" else _months_by_theme(cases)
    months = sorted({m for m, _s in split.counts})
    axis = _every_month(months)
    chart = Chart(
        slug=f"cases-by-{by}",
        title=split.title,
        columns=[_("Month"), *[split.labels[s] for s in split.order]],
        kind="grouped" if split.overlapping else "stacked",
        categories=[m.strftime("%Y-%m") for m in axis],
        note=_("A product can have several themes: a case counts under each, so the bars are not added up.")
        if split.overlapping
        else "",
    )
    for m in months:
        lo, hi = _month_bounds(m, after, before)
        chart.rows.append([m.strftime("%Y-%m"), *[split.counts.get((m, s), 0) for s in split.order]])
        chart.urls.append(cases.url("products:case-list", date_after=lo, date_before=hi))

    def cell(m: dt.date, s: str) -> dict[str, Any]:
        lo, hi = _month_bounds(m, after, before)
        value: Any = s if split.param == "category" else [s]
        url = cases.url("products:case-list", **{split.param: value, "date_after": lo, "date_before": hi})
        return {"value": split.counts.get((m, s), 0), "url": url}

    chart.series = [{"name": split.labels[s], "data": [cell(m, s) for m in axis]} for s in split.order]
    return chart


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _by_head_office(cases: Filtered, currency: str) -> tuple[list[dict], list[dict]]:
    """The top head offices (a case at a branch counts for its head office) by cases, and by the
    sum of their amounts in `currency`."""
    root = Coalesce("institution__head_office_id", "institution_id")
    qs = cases.qs().order_by().annotate(root=root).values("root")
    by_count = qs.annotate(n=Count("pk", distinct=True)).order_by("-n", "root")
    by_amount = (
        qs.filter(currency=currency, amount__isnull=False)
        .annotate(total=Sum("amount"), n=Count("pk", distinct=True))
        .order_by("-total", "root")
    )
    return list(by_count[:TOP]), list(by_amount[:TOP])


def institutions_ranked(cases: Filtered) -> tuple[Chart, Chart]:
    """Head offices (branches rolled up) ranked by number of cases and by the sum of their amounts.

    Amounts are summed in one currency only (CNY unless the filter names another): adding 印尼盾 to
    元 would be meaningless without a cited exchange-rate table."""
    chosen = cases.value("institution")
    currency = cases.value("currency") or "CNY"
    count_rows, amount_rows = _by_head_office(cases, currency)
    roots = {r["root"] for r in [*count_rows, *amount_rows]}
    names = dict(Institution.objects.filter(pk__in=roots).values_list("pk", "name"))

    def target(pk: int) -> tuple[int, str]:
        # With an institution chosen every case belongs to it (a branch chosen stays that branch).
        pk = chosen.pk if chosen else pk
        return pk, names.get(pk, chosen.name if chosen else str(pk))

    ranked = Chart(
        slug="institutions-by-cases",
        title=_("Institutions by cases (head office with its branches)"),
        columns=[_("Institution"), _("Cases")],
    )
    for r in count_rows:
        pk, name = target(r["root"])
        ranked.rows.append([name, r["n"]])
        ranked.urls.append(cases.url("products:case-list", institution=pk))
    unit = _("10,000 yuan") if currency == "CNY" else currency
    amounts = Chart(
        slug="institutions-by-amount",
        title=_("Institutions by amount (head office with its branches)"),
        columns=[_("Institution"), _("Total (%(unit)s)") % {"unit": unit}, _("Cases with an amount")],
        note=_("Only amounts in %(currency)s are added up; other currencies are not converted.")
        % {"currency": currency},
    )
    for r in amount_rows:
        pk, name = target(r["root"])
        total = r["total"] / Decimal(10000) if currency == "CNY" else r["total"]
        amounts.rows.append([name, round(total, 2), r["n"]])
        amounts.urls.append(cases.url("products:case-list", institution=pk, currency=currency))
    return ranked, amounts


@dataclass
class _YearSplit:
    slug: str
    title: str
    param: str  # the list's filter for one key
    field_path: str  # what the notices are grouped by
    labels: dict[Any, str]
    positions: dict[Any, int]
    overlapping: bool  # a notice can count under several keys


def _year_chart_note(
    qs: QuerySet, split: _YearSplit, counts: dict[tuple[int, Any], int], undated: int
) -> str:
    """What the reader must know to read the chart: overlapping keys, and notices left out."""
    notes = []
    if split.overlapping and counts:
        notices = qs.filter(**{f"{split.field_path}__isnull": False}).distinct().count()
        notes.append(
            _(
                "A notice can carry several topics: %(notices)s notices have %(mentions)s topic marks, "
                "so the bars stand side by side and are not added up."
            )
            % {"notices": notices, "mentions": sum(counts.values())}
        )
    if undated:
        notes.append(_("%(n)s notices without an issue date are not in this chart.") % {"n": undated})
    return " ".join(notes)


def _policy_year_chart(policies: Filtered, split: _YearSplit, undated: int) -> Chart:
    """Notices per year split by `split`: stacked when each notice has one key, side by side when it
    can have several (a notice with three topics is one notice, not three)."""
    after, before = policies.value("issued_after"), policies.value("issued_before")

    def year_bounds(year: int) -> dict[str, dt.date]:
        lo, hi = dt.date(year, 1, 1), dt.date(year, 12, 31)
        return {
            "issued_after": max(lo, after) if after else lo,
            "issued_before": min(hi, before) if before else hi,
        }

    chosen_keys = {getattr(c, "slug", c) for c in policies.value(split.param) or []}
    qs = policies.qs({split.param}).exclude(issued_date=None)
    if chosen_keys:
        qs = qs.filter(**{f"{split.field_path}__in": chosen_keys})
    rows = (
        qs.order_by()
        .values(y=ExtractYear("issued_date"), k=F(split.field_path))
        .annotate(n=Count("pk", distinct=True))
    )
    counts = {(r["y"], r["k"]): r["n"] for r in rows if r["k"]}
    keys = sorted({k for _y, k in counts}, key=lambda k: (split.positions.get(k, 99), k))
    years = sorted({y for y, _k in counts})
    axis = list(range(years[0], years[-1] + 1)) if years else []  # gaps between years kept
    note = _year_chart_note(qs, split, counts, undated)
    chart = Chart(
        slug=split.slug,
        title=split.title,
        columns=[_("Year"), *[split.labels.get(k, k) for k in keys]],
        kind="grouped" if split.overlapping else "stacked",
        categories=[str(y) for y in axis],
        note=note,
    )
    for y in years:
        chart.rows.append([str(y), *[counts.get((y, k), 0) for k in keys]])
        chart.urls.append(policies.url("policies:policy-list", **year_bounds(y)))
    chart.series = [
        {
            "name": split.labels.get(k, k),
            "data": [
                {
                    "value": counts.get((y, k), 0),
                    "url": policies.url("policies:policy-list", **{split.param: [k], **year_bounds(y)}),
                }
                for y in axis
            ],
        }
        for k in keys
    ]
    return chart


def _issuers_chart(policies: Filtered) -> Chart:
    issuer = policies.value("issuer")
    rows = list(
        policies.qs()
        .exclude(issuer=None)
        .order_by()
        .values("issuer")
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", "issuer")[:TOP]
    )
    names = dict(Institution.objects.filter(pk__in={r["issuer"] for r in rows}).values_list("pk", "name"))
    issuers = Chart(
        slug="policies-by-issuer", title=_("Policy notices by issuer"), columns=[_("Issuer"), _("Notices")]
    )
    for r in rows:
        pk = issuer.pk if issuer else r["issuer"]
        issuers.rows.append([names.get(pk, str(pk)), r["n"]])
        issuers.urls.append(policies.url("policies:policy-list", issuer=pk))
    return issuers


def policies_over_time(policies: Filtered) -> list[Chart]:
    """Notices per year by level and by topic, and the issuers with the most notices."""
    undated = policies.qs().filter(issued_date=None).count()
    levels = list(Policy.Level.choices)
    topics = list(Topic.objects.order_by("position", "slug"))
    by_level = _YearSplit(
        slug="policies-by-level",
        title=_("Policy notices per year by level"),
        param="level",
        field_path="level",
        labels={k: str(v) for k, v in levels},
        positions={k: i for i, (k, _v) in enumerate(levels)},
        overlapping=False,
    )
    by_topic = _YearSplit(
        slug="policies-by-topic",
        title=_("Policy notices per year by topic"),
        param="topic",
        field_path="topics__slug",
        labels={t.slug: t.display_name for t in topics},
        positions={t.slug: t.position for t in topics},
        overlapping=True,
    )
    return [
        _policy_year_chart(policies, by_level, undated),
        _policy_year_chart(policies, by_topic, undated),
        _issuers_chart(policies),
    ]


def policy_to_first_case(policies: Filtered) -> Chart:
    """Days from each dated notice to the first published case of a product it concerns.

    Negative when the product was first used before the notice (notices often codify practice)."""
    rows = (
        policies.qs()
        .exclude(issued_date=None)
        .annotate(
            first_case=Min(
                "products__cases__date",
                filter=Q(products__cases__status=Status.PUBLISHED, products__status=Status.PUBLISHED),
            )
        )
        .exclude(first_case=None)
        .order_by("issued_date", "pk")
        .values("pk", "heading", "issued_date", "first_case")
    )
    chart = Chart(
        slug="policy-to-first-case",
        title=_("Days from a policy notice to the first case of a product it concerns"),
        columns=[_("Policy notice"), _("Issued"), _("First case"), _("Days")],
        note=_("Negative: the product was first used before the notice was issued."),
        value_index=3,
    )
    for r in rows:
        days = (r["first_case"] - r["issued_date"]).days
        chart.rows.append([r["heading"], r["issued_date"].isoformat(), r["first_case"].isoformat(), days])
        chart.urls.append(reverse("policies:policy-detail", args=[r["pk"]]))
    return chart
