"""The SQL prefilter of /api/v1/match/ changes nothing: for every product its SQL bounds hold (fails
and tier never above, score never below what the Python scorer gives; the exclusions are the same),
and with the candidate set cut small, the ranking and the excluded counts equal scoring everything."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from advisor import matching
from advisor.forms import MatchForm
from advisor.matching import BY_NAME, CRITERIA, KIND_TIER, Profile, case_evidence, match, score_product
from products.models import Product
from tests.advisor.profiles import PROFILES, SENTENCES, profile_query
from tests.factories import CaseFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plain_twins(db) -> int:
    """A plain twin of every product (its name, text, institution, category and up to three of its
    cases, no terms, no themes), as most products of a large catalogue are: the prefilter bounds
    those in Python, not SQL. Same names, so ties are decided by id too."""
    made = 0
    for product in Product.objects.published().prefetch_related("cases"):
        twin = ProductFactory(
            name=product.name,
            institution=product.institution,
            category=product.category,
            target_clients=product.target_clients,
            collateral=product.collateral,
            description=product.description,
        )
        for case in list(product.cases.all())[:3]:
            CaseFactory(
                product=twin,
                institution=case.institution,
                province=case.province,
                city=case.city,
                amount=case.amount,
                currency=case.currency,
                term_months=case.term_months,
            )
        made += 1
    return made


def _profiles() -> list[tuple[str, Profile]]:
    out = []
    queries = [(p["id"], profile_query(p)) for p in PROFILES]
    for s in SENTENCES:
        q = QueryDict(mutable=True)
        q["q"] = s["q"]
        queries.append((s["q"], q))
    for name, params in queries:
        form = MatchForm(params)
        assert form.is_valid(), (name, form.errors)
        out.append((name, form.profile()))
    return out


def _ranking(p: Profile, **kw) -> tuple[list[tuple[str, float, int]], dict]:
    top, excluded = match(p, **kw)
    return [(m.product.key, m.score, m.fails) for m in top], dict(excluded)


def test_bounds_hold_for_every_product(plain_twins):
    checked = plain_checked = 0
    for name, p in _profiles():
        if p.category:
            p.category_ids = set(matching.Category.objects.subtree(p.category).values_list("pk", flat=True))
        need = matching._need_hits(p.need)
        qs, _ = matching._bounded(p, set(need))
        # The plain products' bounds as Python adds them up (the prefilter's path for them).
        plain = matching._plain_products(None).name
        bounds, _ = matching._plain_bounds(p, set(need), None)
        for product in matching._for_scoring(qs):
            m = score_product(p, product, case_evidence(product), need_hit=product.pk in need)
            assert bool(m.excluded_by) == bool(getattr(product, "opt_excluded", False)), (name, product.key)
            if product.pk in plain:
                assert bool(m.excluded_by) == (product.pk not in bounds), (name, product.key)
            if m.excluded_by:
                continue
            if product.pk in plain:
                fails, score = bounds[product.pk]
                assert (fails, round(score, 2)) == (product.opt_fails, product.opt_rank), (name, product.key)
                plain_checked += 1
            assert m.fails >= product.opt_fails, (name, product.key)
            assert KIND_TIER.get(m.kind, 0) >= product.opt_tier, (name, product.key)
            assert m.score <= product.opt_score + 0.005, (name, product.key, m.score, product.opt_score)
            assert m.score <= product.opt_rank, (name, product.key, m.score, product.opt_rank)
            # The kind's tie-break at equal scores is never better than SQL's key says.
            assert BY_NAME["programme"].parts.get(m.kind, 0.0) <= product.opt_kind, (name, product.key)
            checked += 1
    assert checked > 1000
    assert plain_checked > 100


def test_weights_are_whole_cents():
    """The SQL bound is rounded to cents by the database and scores by Python: sums of whole cents
    never fall on a half cent, so both round alike and the keys' order is `Match.sort_key`'s."""
    shares = [c.weight * part for c in CRITERIA for part in (1.0, *c.parts.values())]
    assert all(abs(v * 100 - round(v * 100)) < 1e-9 for v in shares), shares


@pytest.mark.parametrize("candidates", [1, 10, 12, 30])
def test_prefilter_ranking_equals_scoring_everything(monkeypatch, candidates, plain_twins):
    """With few candidates the prefilter prunes on the test catalogue; the page must not change."""
    monkeypatch.setattr(matching, "CANDIDATES", candidates)
    for name, p in _profiles():
        assert _ranking(p) == _ranking(p, prefilter=False), name
