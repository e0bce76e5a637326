"""Facet specs of the policy notice list."""

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy

from catalogue.facets import choice_labels
from catalogue.listing import FacetSpec, group_count
from institutions.facets import institution_labels, region_labels
from policies.models import Policy, Topic
from products.facets import theme_labels


def topic_labels(slugs: Iterable[Any]) -> dict[Any, str]:
    return {t.slug: t.display_name for t in Topic.objects.filter(slug__in=list(slugs))}


POLICY_FACETS = [
    FacetSpec(
        "level",
        gettext_lazy("Level"),
        group_count("level"),
        choice_labels(Policy.Level.choices),
        multiple=True,
    ),
    FacetSpec("topic", gettext_lazy("Topic"), group_count("topics__slug"), topic_labels, multiple=True),
    FacetSpec("theme", gettext_lazy("Theme"), group_count("themes__slug"), theme_labels, multiple=True),
    FacetSpec("province", gettext_lazy("Province"), group_count("province_id"), region_labels),
    FacetSpec(
        "issuer", gettext_lazy("Issuer"), group_count("issuer_id"), institution_labels, limit=12, key_type=int
    ),
]
