import django_filters as filters
from django.utils.translation import gettext_lazy as _

from catalogue.filters import SearchFilterSet, record_ordering
from institutions.filters import RegionChoice
from institutions.models import Institution
from policies.models import Policy, Topic
from products.filters import slugs_filter
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
    topic = slugs_filter(
        Topic, "topics__slug", _("Topic"), "topic slug(s) (see /api/v1/topics/); repeat for several"
    )
    theme = slugs_filter(
        Theme, "themes__slug", _("Theme"), "theme slug(s) (see /api/v1/themes/); repeat for several"
    )
    category = slugs_filter(
        Category,
        "categories__slug",
        _("Category"),
        "category slug(s) (see /api/v1/categories/); repeat for several",
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
    ordering = record_ordering("issued_date", "title", "date, title or modified; prefix - for descending")

    class Meta(SearchFilterSet.Meta):
        model = Policy
