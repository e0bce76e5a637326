import django_filters as filters
from django.utils.translation import gettext_lazy as _

from catalogue.filters import NullsLastOrderingFilter, SearchFilterSet
from institutions.filters import RegionChoice
from institutions.models import Institution
from policies.models import Policy, Topic
from products.models import Category, Theme


class PolicyFilter(SearchFilterSet):
    ranges = (("issued_after", "issued_before"),)

    level = filters.MultipleChoiceFilter(
        choices=Policy.Level.choices, label=_("Level"), help_text="level(s) of the issuer; repeat for several"
    )
    issuer = filters.ModelChoiceFilter(
        queryset=Institution.objects.all(), label=_("Issuer"), help_text="institution id of the issuer"
    )
    province = RegionChoice(
        "province", field_name="province", label=_("Province"), help_text="GB/T 2260 province code"
    )
    topic = filters.ModelMultipleChoiceFilter(
        queryset=Topic.objects.all(),
        to_field_name="slug",
        field_name="topics__slug",
        label=_("Topic"),
        help_text="topic slug(s) (see /api/v1/topics/); repeat for several",
    )
    theme = filters.ModelMultipleChoiceFilter(
        queryset=Theme.objects.all(),
        to_field_name="slug",
        field_name="themes__slug",
        label=_("Theme"),
        help_text="theme slug(s) (see /api/v1/themes/); repeat for several",
    )
    category = filters.ModelMultipleChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        field_name="categories__slug",
        label=_("Category"),
        help_text="category slug(s) (see /api/v1/categories/); repeat for several",
    )
    issued_after = filters.DateFilter(
        field_name="issued_date",
        lookup_expr="gte",
        label=_("From"),
        help_text="issued on or after (YYYY-MM-DD)",
    )
    issued_before = filters.DateFilter(
        field_name="issued_date",
        lookup_expr="lte",
        label=_("To"),
        help_text="issued on or before (YYYY-MM-DD)",
    )
    ordering = NullsLastOrderingFilter(
        fields=(("issued_date", "date"), ("name_sort", "title"), ("modified", "modified")),
        label=_("Sort"),
        help_text="date, title or modified; prefix - for descending",
    )

    class Meta:
        model = Policy
        fields = [
            "q",
            "level",
            "issuer",
            "province",
            "topic",
            "theme",
            "category",
            "issued_after",
            "issued_before",
        ]
