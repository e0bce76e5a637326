"""FilterSets for institutions and regions, shared by the web pages and the API."""

import django_filters as filters
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from catalogue.filters import NullsLastOrderingFilter, SearchFilterSet, StrictBooleanFilter
from catalogue.models import english_active
from institutions.models import Institution, Region


class RegionChoice(filters.ModelChoiceFilter):
    """A region by GB/T 2260 code; unknown codes are a validation error (400 / form error)."""

    def __init__(self, level: str, **kwargs) -> None:
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("queryset", Region.objects.filter(level=level))
        super().__init__(**kwargs)


class RegionFilter(filters.FilterSet):
    level = filters.ChoiceFilter(choices=Region.Level.choices, help_text="level of the region")
    parent = filters.CharFilter(field_name="parent_id", help_text="GB/T 2260 code of the parent region")

    class Meta:
        model = Region
        fields = ["level", "parent"]


class InstitutionNameOrdering(NullsLastOrderingFilter):
    """`name` sorts by the name the reader sees: the Chinese name in pinyin order, or on English
    pages and API requests the English name (case-insensitive)."""

    def get_ordering_value(self, param: str):
        if param.lstrip("-") != "name" or not english_active():
            return super().get_ordering_value(param)
        name = Lower("name_en")
        return name.desc() if param.startswith("-") else name.asc()


class InstitutionFilter(SearchFilterSet):
    kind = filters.MultipleChoiceFilter(
        choices=Institution.Kind.choices, help_text="institution kind(s); repeat for several"
    )
    province = filters.CharFilter(field_name="province_id", help_text="GB/T 2260 province code")
    head_office = filters.NumberFilter(field_name="head_office_id", help_text="branches of this head office")
    head_offices_only = StrictBooleanFilter(
        field_name="parent",
        lookup_expr="isnull",
        label=_("head offices only"),
        help_text="true: only head offices (institutions without a parent)",
    )

    ordering = InstitutionNameOrdering(
        fields=(("name_sort", "name"), ("kind", "kind"), ("created", "created"), ("modified", "modified")),
        label=_("Sort"),
        help_text="name (the Chinese name in pinyin order; in English the English name), kind, created "
        "or modified; prefix - for descending",
    )

    def filter_queryset(self, queryset, *args, **kwargs):
        queryset = super().filter_queryset(queryset, *args, **kwargs)
        data = self.form.cleaned_data
        if english_active() and not data.get("ordering") and not data.get("q"):
            # The default order (the API's, without `ordering`) is by name too, as the reader reads it.
            queryset = queryset.order_by(Lower("name_en").asc(), "pk")
        return queryset

    class Meta(SearchFilterSet.Meta):
        model = Institution
