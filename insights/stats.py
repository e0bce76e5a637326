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


def filtered(filterset_class: type[SearchFilterSet], queryset: QuerySet, params: QueryDict) -> Filtered:
    """Validate like the list pages do: report what was wrong and apply the rest."""
    known = QueryDict(mutable=True)
    for name in filterset_class.base_filters:
        if name != "ordering" and name in params:
            known.setlist(name, [v for v in params.getlist(name) if v != ""])
            if not known.getlist(name):
                known.pop(name)
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
    kind: str = "bar"  # bar | stacked | map
    series: list[dict[str, Any]] = field(default_factory=list)  # for stacked charts
    categories: list[str] = field(default_factory=list)
    note: str = ""
    value_index: int = 1  # the column a plain bar chart draws

    @property
    def rows_with_urls(self) -> list[tuple[list[Any], str]]:
        return list(zip(self.rows, self.urls, strict=True))


def _month_bounds(month: dt.date, after: dt.date | None, before: dt.date | None) -> tuple[dt.date, dt.date]:
    """The month's first and last day, narrowed by the filter's own dates so the link counts the same."""
    first = month.replace(day=1)
    last = first.replace(day=monthrange(first.year, first.month)[1])
    return max(first, after) if after else first, min(last, before) if before else last


def _region_names(codes: set[str]) -> dict[str, str]:
    return {r.code: r.display_name for r in Region.objects.filter(code__in=codes)}


def province_maps(cases: Filtered, products: Filtered, policies: Filtered) -> dict[str, Any]:
    """Counts by province (cases, products, policy notices) and, for cases and products, by city."""
    case_qs = cases.qs({"province", "city"})
    case_prov = _distinct_counts(case_qs, "province")
    case_city = _distinct_counts(case_qs, "city")
    # A product counts in a province when ONE of its cases meets every case-level condition there
    # (ProductFilter's rule), so the grouping is over those cases.
    product_base = products.qs(set(CASE_SCOPED))
    conditions = products.fs.case_conditions(exclude={"province", "city"})
    product_cases = Case.objects.filter(status=Status.PUBLISHED, product__in=product_base, **conditions)
    product_prov = _distinct_counts(product_cases, "province", "product")
    product_city = _distinct_counts(product_cases, "city", "product")
    policy_prov = _distinct_counts(policies.qs({"province"}), "province")
    chosen = {
        "cases": cases.value("province"),
        "products": products.value("province"),
        "policies": policies.value("province"),
    }
    city_chosen = cases.value("city")
    names = _region_names({*case_prov, *product_prov, *policy_prov, *case_city, *product_city})
    parents = dict(Region.objects.filter(code__in={*case_city, *product_city}).values_list("code", "parent"))

    def layer(counts: dict, filt: Filtered, list_name: str, metric: str) -> list[dict[str, Any]]:
        keep = chosen[metric]
        return [
            {
                "code": code,
                "name": names.get(code, code),
                "value": n,
                "url": filt.url(list_name, province=code, city=None if metric == "policies" else city_chosen),
            }
            for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            if keep is None or keep.code == code
        ]

    def city_layer(counts: dict, filt: Filtered, list_name: str) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            if city_chosen is not None and city_chosen.code != code:
                continue
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

    return {
        "cases": {
            "label": _("Cases"),
            "provinces": layer(case_prov, cases, "products:case-list", "cases"),
            "cities": city_layer(case_city, cases, "products:case-list"),
        },
        "products": {
            "label": _("Products"),
            "provinces": layer(product_prov, products, "products:product-list", "products"),
            "cities": city_layer(product_city, products, "products:product-list"),
        },
        "policies": {
            "label": _("Policy notices"),
            "provinces": layer(policy_prov, policies, "policies:policy-list", "policies"),
            "cities": {},
        },
    }


def _distinct_counts(qs: QuerySet, group: str, distinct: str = "pk") -> dict[Any, int]:
    rows = qs.order_by().values(group).annotate(n=Count(distinct, distinct=True))
    return {r[group]: r["n"] for r in rows if r[group] not in (None, "")}


def cases_by_month(cases: Filtered, by: str) -> Chart:
    """Cases per month split by top-level category (`by="category"`) or by theme (`by="theme"`)."""
    after, before = cases.value("date_after"), cases.value("date_before")
    if by == "category":
        chosen = cases.value("category")
        qs = cases.qs()
        rows = (
            qs.exclude(date=None)
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
        labels: dict[str, str] = {}
        positions: dict[str, tuple[int, str]] = {}
        for r in rows:
            c = key_of(r["k"])
            labels[c.slug] = c.display_name
            positions[c.slug] = (c.position, c.slug)
            key = (_as_date(r["m"]), c.slug)
            counts[key] = counts.get(key, 0) + r["n"]
        order = sorted(labels, key=lambda s: positions[s])
        param = "category"
        title = _("Cases per month by category")
    else:
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
        labels = {s: themes[s].display_name for _m, s in counts}
        order = sorted(labels, key=lambda s: (themes[s].position, s))
        param = "theme"
        title = _("Cases per month by theme")
    months = sorted({_as_date(m) for m, _s in counts})
    chart = Chart(
        slug=f"cases-by-{by}",
        title=title,
        columns=[_("Month"), *[labels[s] for s in order]],
        kind="stacked",
        categories=[m.strftime("%Y-%m") for m in months],
    )
    cell_urls: dict[str, list[str]] = {s: [] for s in order}
    for m in months:
        lo, hi = _month_bounds(m, after, before)
        row: list[Any] = [m.strftime("%Y-%m")]
        for s in order:
            n = counts.get((m, s), 0)
            row.append(n)
            value: Any = s if param == "category" else [s]
            cell_urls[s].append(
                cases.url("products:case-list", **{param: value, "date_after": lo, "date_before": hi})
            )
        chart.rows.append(row)
        chart.urls.append(cases.url("products:case-list", date_after=lo, date_before=hi))
    chart.series = [
        {
            "name": labels[s],
            "data": [{"value": chart.rows[i][j + 1], "url": cell_urls[s][i]} for i in range(len(months))],
        }
        for j, s in enumerate(order)
    ]
    return chart


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def institutions_ranked(cases: Filtered) -> tuple[Chart, Chart]:
    """Head offices (branches rolled up) ranked by number of cases and by the sum of their amounts.

    Amounts are summed in one currency only (CNY unless the filter names another): adding 印尼盾 to
    元 would be meaningless without a cited exchange-rate table."""
    chosen = cases.value("institution")
    root = Coalesce("institution__head_office_id", "institution_id")
    qs = cases.qs()
    by_count = (
        qs.order_by()
        .annotate(root=root)
        .values("root")
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", "root")
    )
    currency = cases.value("currency") or "CNY"
    by_amount = (
        qs.filter(currency=currency, amount__isnull=False)
        .order_by()
        .annotate(root=root)
        .values("root")
        .annotate(total=Sum("amount"), n=Count("pk", distinct=True))
        .order_by("-total", "root")
    )
    count_rows = list(by_count[:TOP])
    amount_rows = list(by_amount[:TOP])
    names = dict(
        Institution.objects.filter(pk__in={r["root"] for r in [*count_rows, *amount_rows]}).values_list(
            "pk", "name"
        )
    )

    def target(pk: int) -> int:
        # With an institution chosen every case belongs to it (a branch chosen stays that branch).
        return chosen.pk if chosen else pk

    ranked = Chart(
        slug="institutions-by-cases",
        title=_("Institutions by cases (head office with its branches)"),
        columns=[_("Institution"), _("Cases")],
    )
    for r in count_rows:
        pk = target(r["root"])
        ranked.rows.append([names.get(pk, chosen.name if chosen else str(pk)), r["n"]])
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
        pk = target(r["root"])
        total = r["total"] / Decimal(10000) if currency == "CNY" else r["total"]
        amounts.rows.append([names.get(pk, chosen.name if chosen else str(pk)), round(total, 2), r["n"]])
        amounts.urls.append(cases.url("products:case-list", institution=pk, currency=currency))
    return ranked, amounts


def policies_over_time(policies: Filtered) -> list[Chart]:
    """Notices per year by level and by topic, and the issuers with the most notices."""
    after, before = policies.value("issued_after"), policies.value("issued_before")

    def year_bounds(year: int) -> tuple[dt.date, dt.date]:
        lo, hi = dt.date(year, 1, 1), dt.date(year, 12, 31)
        return (max(lo, after) if after else lo), (min(hi, before) if before else hi)

    charts = []
    undated = policies.qs().filter(issued_date=None).count()
    levels = dict(Policy.Level.choices)
    topics = {t.slug: t for t in Topic.objects.all()}
    for slug, title, param, field_path, label_of, order_of in (
        (
            "policies-by-level",
            _("Policy notices per year by level"),
            "level",
            "level",
            lambda k: str(levels.get(k, k)),
            lambda k: list(levels).index(k) if k in levels else 99,
        ),
        (
            "policies-by-topic",
            _("Policy notices per year by topic"),
            "topic",
            "topics__slug",
            lambda k: topics[k].display_name if k in topics else k,
            lambda k: topics[k].position if k in topics else 99,
        ),
    ):
        chosen = policies.value(param) or []
        chosen_keys = {getattr(c, "slug", c) for c in chosen}
        qs = policies.qs({param})
        if chosen_keys:
            qs = qs.filter(**{f"{field_path}__in": chosen_keys})
        rows = (
            qs.exclude(issued_date=None)
            .order_by()
            .values(y=ExtractYear("issued_date"), k=F(field_path))
            .annotate(n=Count("pk", distinct=True))
        )
        counts = {(r["y"], r["k"]): r["n"] for r in rows if r["k"]}
        keys = sorted({k for _y, k in counts}, key=lambda k: (order_of(k), k))
        years = sorted({y for y, _k in counts})
        chart = Chart(
            slug=slug,
            title=title,
            columns=[_("Year"), *[label_of(k) for k in keys]],
            kind="stacked",
            categories=[str(y) for y in years],
            note=(_("%(n)s notices without an issue date are not in this chart.") % {"n": undated})
            if undated
            else "",
        )
        for y in years:
            lo, hi = year_bounds(y)
            chart.rows.append([str(y), *[counts.get((y, k), 0) for k in keys]])
            chart.urls.append(policies.url("policies:policy-list", issued_after=lo, issued_before=hi))
        chart.series = [
            {
                "name": label_of(k),
                "data": [
                    {
                        "value": counts.get((y, k), 0),
                        "url": policies.url(
                            "policies:policy-list",
                            **{
                                param: [k],
                                "issued_after": year_bounds(y)[0],
                                "issued_before": year_bounds(y)[1],
                            },
                        ),
                    }
                    for y in years
                ],
            }
            for k in keys
        ]
        charts.append(chart)

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
    charts.append(issuers)
    return charts


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
