"""Pieces shared by every FilterSet (the same FilterSets serve the web pages and the API)."""

import copy
from collections.abc import Collection

import django_filters as filters
from django import forms
from django.db.models import F, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_filters.fields import BaseCSVField
from django_filters.filters import FilterMethod

from catalogue.fulltext import query as fulltext

MAX_QUERY_LENGTH = 200


class NoEmptyItemsCSVField(BaseCSVField):
    """A comma-separated value with no empty item: `ordering=,` is a mistake to report, where
    django-filter would pass the empty names on to order_by() (a server error)."""

    def clean(self, value):
        cleaned = super().clean(value)
        if cleaned and any(item in ("", None) for item in cleaned):
            raise forms.ValidationError(_("Leave no empty name between commas."), code="empty_item")
        return cleaned


class StrictNullBooleanSelect(forms.NullBooleanSelect):
    """Passes a word it does not know on to the field (Django's select turns it into None)."""

    WORDS = {"true": True, "True": True, "1": True, "false": False, "False": False, "0": False}

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        if value in (None, "", "unknown"):  # "unknown" is the select's own "either" option
            return None
        return self.WORDS.get(value, value)


class StrictNullBooleanField(forms.NullBooleanField):
    """true/false (also True/False/1/0); empty means not given. Django's field reads any other
    word (`null`, `yes`) as "not given", which would answer a typo with an unfiltered list."""

    widget = StrictNullBooleanSelect

    ACCEPTED = ("true", "false", "True", "False", "1", "0")

    def to_python(self, value):
        if value not in (None, "", True, False) and value not in self.ACCEPTED:
            raise forms.ValidationError(_("Use true or false."), code="invalid")
        return super().to_python(value)


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictNullBooleanField


RELEVANCE = "relevance"


class NullsLastOrderingFilter(filters.OrderingFilter):
    """Sorting where a missing date or amount goes last either way (PostgreSQL puts NULLs first
    when descending), with the primary key as tie-break so pages never overlap.

    `relevance` keeps the search's order (most relevant first); it is the default when `q` is
    given, on the pages (catalogue/listing.py) as on the API, and without `q` it leaves the list's
    own order."""

    base_field_class = NoEmptyItemsCSVField

    def __init__(self, *args, **kwargs) -> None:
        if kwargs.get("help_text"):
            kwargs["help_text"] += f"; or {RELEVANCE}: most relevant first (the default with q)"
        super().__init__(*args, **kwargs)

    def build_choices(self, fields, labels):
        return [(RELEVANCE, _("Relevance")), *super().build_choices(fields, labels)]

    def get_ordering_value(self, param: str):
        descending = param.startswith("-")
        name = self.param_map.get(param.lstrip("-"), param.lstrip("-"))
        return F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)

    def filter(self, qs: QuerySet, value):
        if value in ([], (), {}, "", None) or value[0] == RELEVANCE:
            return qs
        # Relevance after another field orders nothing further (the search's order is not a column).
        value = [p for p in value if p != RELEVANCE]
        ordering = [self.get_ordering_value(p) for p in value]
        last = F("pk").desc() if value[0].startswith("-") else F("pk").asc()
        return qs.order_by(*ordering, last)


def record_ordering(date_field: str, name: str, help_text: str) -> NullsLastOrderingFilter:
    """`ordering` of a record list: by `date` (the record's own `date_field`), by its name under
    `name` (pinyin order), or by `modified`."""
    return NullsLastOrderingFilter(
        fields=((date_field, "date"), ("name_sort", name), ("modified", "modified")),
        label=_("Sort"),
        help_text=help_text,
    )


class RangeCheckedForm(forms.Form):
    """Rejects a reversed range (from after to, minimum above maximum), which could only match
    nothing, with a message that names both bounds; `ranges` comes from the FilterSet."""

    ranges: tuple[tuple[str, str], ...] = ()
    labels: dict[str, str] = {}

    def clean(self):
        cleaned = super().clean()
        for lo, hi in self.ranges:
            low, high = cleaned.get(lo), cleaned.get(hi)
            if low is not None and high is not None and low > high:
                self.add_error(
                    lo,
                    forms.ValidationError(
                        _(
                            "“%(low)s” (%(low_value)s) is after “%(high)s” (%(high_value)s), so nothing can match; swap them."
                        ),
                        code="reversed_range",
                        params={
                            "low": self.labels.get(lo, lo),
                            "high": self.labels.get(hi, hi),
                            "low_value": low,
                            "high_value": high,
                        },
                    ),
                )
        return cleaned


_FORM_CLASSES: dict[type, type[forms.Form]] = {}


class SearchFilterSet(filters.FilterSet):
    """Adds `q`: full-text search, most relevant first unless an explicit ordering is asked for.
    A subclass's Meta extends this one and names the model."""

    class Meta:
        fields: list[str] = []  # the declared filters are the whole set (django-filter adds them)

    # (lower bound, upper bound) filter names that must not be reversed.
    ranges: tuple[tuple[str, str], ...] = ()

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None) -> None:
        # As django-filter's, but a shallow copy of each filter instead of a deep copy of them all:
        # a filter's own state is its model and parent, set here; the deep copy was ~15% of a
        # list request (issue 10).
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy.copy(f) for name, f in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self
            if isinstance(filter_.filter, FilterMethod):  # bound to the declared filter: rebind
                filter_.filter = FilterMethod(filter_)

    def get_form_class(self):
        # One form class per FilterSet class, built on first use: its fields depend on the
        # declarations only (querysets are static, choices callables that the field evaluates
        # when it validates), and every form instance deep-copies them anyway.
        form = _FORM_CLASSES.get(type(self))
        if form is None:
            base = super().get_form_class()
            names = {n for pair in self.ranges for n in pair}
            attrs = {"ranges": self.ranges, "labels": {n: self.filters[n].label for n in names}}
            form = _FORM_CLASSES[type(self)] = type(base.__name__, (RangeCheckedForm, base), attrs)
        return form

    q = filters.CharFilter(
        method="filter_q",
        max_length=MAX_QUERY_LENGTH,
        label=_("Search"),
        help_text="search words: Chinese or English, names, aliases, places",
    )

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The full-text search (catalogue.fulltext), most relevant first.
        return fulltext.filter_queryset(queryset, value)

    def filter_queryset(self, queryset: QuerySet, exclude: Collection[str] = ()) -> QuerySet:
        """django-filter's own loop, with `exclude` so a facet can count "everything but me"
        from the already-validated values (no second validation, so no extra queries)."""
        for name, value in self.form.cleaned_data.items():
            if name in exclude or (isinstance(value, QuerySet) and value.query.is_empty()):
                # (An absent multiple-choice value is cleaned to `.none()`, which the filter
                # only tests for truth: compiling that empty query was ~0.3 ms of a list's CPU.)
                continue
            queryset = self.filters[name].filter(queryset, value)
        return queryset
