import django_filters as filters

from catalogue.filters import SearchFilterSet
from institutions.models import Institution
from policies.models import Policy, Topic
from products.filters import RegionChoice
from products.models import Category, Theme


class PolicyFilter(SearchFilterSet):
    level = filters.MultipleChoiceFilter(choices=Policy.Level.choices)
    issuer = filters.ModelChoiceFilter(queryset=Institution.objects.all(), help_text="institution id")
    province = RegionChoice("province", field_name="province", help_text="GB/T 2260 province code")
    topic = filters.ModelMultipleChoiceFilter(
        queryset=Topic.objects.all(), to_field_name="slug", field_name="topics"
    )
    theme = filters.ModelMultipleChoiceFilter(
        queryset=Theme.objects.all(), to_field_name="slug", field_name="themes"
    )
    category = filters.ModelMultipleChoiceFilter(
        queryset=Category.objects.all(), to_field_name="slug", field_name="categories"
    )
    issued_after = filters.DateFilter(field_name="issued_date", lookup_expr="gte")
    issued_before = filters.DateFilter(field_name="issued_date", lookup_expr="lte")

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
