"""Policy pages: the heading, key measures and the products a policy concerns."""

import pytest
from django.utils.html import escape

from policies.models import Policy


@pytest.mark.django_db
def test_policy_pages(client):
    policy = Policy.objects.published().get(document_title__contains="城新贷")
    assert policy.key_measures and policy.products.exists()  # so the loops below check something
    html = client.get(f"/policies/{policy.pk}/").content.decode()
    assert escape(policy.heading) in html
    for m in policy.key_measures:
        assert escape(m) in html
    for p in policy.products.all():
        assert escape(p.name) in html
    assert client.get("/policies/?level=district").status_code == 200
