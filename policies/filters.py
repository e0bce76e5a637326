import django_filters as filters
from django.utils.translation import gettext_lazy as _

from catalogue.filters import NullsLastOrderingFilter, SearchFilterSet
from institutions.filters import RegionChoice
from institutions.models import Institution
from policies.models import Policy, Topic
from products.models import Category, Theme


class PolicyFilter(SearchFilterSet):
    ranges = (("issued_after", "issued_before"),)

    level = filters.MultipleChoiceFilter(choices=Policy.Level.choices, label=_("Level"))
    issuer = filters.ModelChoiceFilter(
        queryset=Institution.objects.all(), label=_("Issuer"), help_text="institution id of the issuer"
    )
    province = RegionChoice(
        "province", field_name="province", label=_("Province"), help_text="GB/T 2260 province code"
    )
    topic = filters.ModelMultipleChoiceFilter(
        queryset=Topic.objects.all(), to_field_name="slug", field_name="topics__slug", label=_("Topic")
    )
    theme = filters.ModelMultipleChoiceFilter(
        queryset=Theme.objects.all(), to_field_name="slug", field_name="themes__slug", label=_("Theme")
    )
    category = filters.ModelMultipleChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        field_name="categories__slug",
        label=_("Category"),
    )
    issued_after = filters.DateFilter(field_name="issued_date", lookup_expr="gte", label=_("From"))
    issued_before = filters.DateFilter(field_name="issued_date", lookup_expr="lte", label=_("To"))
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
