"""Every FilterSet instance owns its filters: the shallow copies catalogue/filters.py makes (instead
of django-filter's deep copy, for speed) must not leak one request's state into another's."""

import pytest
from django.http import QueryDict

from products.filters import CaseFilter, ProductFilter
from products.models import Case, Product


@pytest.mark.django_db
@pytest.mark.parametrize("filterset_class", [CaseFilter, ProductFilter])
def test_each_instance_has_its_own_filters_bound_to_itself(filterset_class):
    a = filterset_class(QueryDict("category=data-asset-pledge-loan"))
    b = filterset_class(QueryDict("q=绿色"))
    for name in a.filters:
        assert a.filters[name] is not b.filters[name]
        assert a.filters[name] is not filterset_class.base_filters[name]
        assert a.filters[name].parent is a and b.filters[name].parent is b
    # A method filter calls the method of its own FilterSet, not of the declared filter's.
    assert a.filters["category"].filter.f is a.filters["category"]
    assert getattr(filterset_class.base_filters["category"], "parent", None) is None


@pytest.mark.django_db
def test_two_filtersets_filter_independently():
    green = CaseFilter(QueryDict("q=绿色"), queryset=Case.objects.published())
    data = CaseFilter(QueryDict("category=data-asset-pledge-loan"), queryset=Case.objects.published())
    assert green.is_valid() and data.is_valid()
    green_ids = set(green.qs.values_list("pk", flat=True))
    data_ids = set(data.qs.values_list("pk", flat=True))
    assert green_ids and data_ids and green_ids != data_ids
    assert (
        set(
            CaseFilter(QueryDict("q=绿色"), queryset=Case.objects.published()).qs.values_list("pk", flat=True)
        )
        == green_ids
    )
    assert ProductFilter(QueryDict(""), queryset=Product.objects.published()).is_valid()
