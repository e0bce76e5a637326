"""The SQL prefilter of /api/v1/match/ changes nothing: for every product its SQL bounds hold (fails
and tier never above, score never below what the Python scorer gives; the exclusions are the same),
and with the candidate set cut small, the ranking and the excluded counts equal scoring everything."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from advisor import matching
from advisor.forms import MatchForm
from advisor.matching import BY_NAME, CRITERIA, KIND_TIER, Profile, case_evidence, match, score_product
from tests.advisor.profiles import PROFILES, SENTENCES, profile_query

pytestmark = pytest.mark.django_db


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


def test_bounds_hold_for_every_product():
    checked = 0
    for name, p in _profiles():
        if p.category:
            p.category_ids = set(matching.Category.objects.subtree(p.category).values_list("pk", flat=True))
        need = matching._need_hits(p.need)
        qs, _ = matching._bounded(p, set(need))
        for product in matching._for_scoring(qs):
            m = score_product(p, product, case_evidence(product), need_hit=product.pk in need)
            assert bool(m.excluded_by) == bool(getattr(product, "opt_excluded", False)), (name, product.key)
            if m.excluded_by:
                continue
            assert m.fails >= product.opt_fails, (name, product.key)
            assert KIND_TIER.get(m.kind, 0) >= product.opt_tier, (name, product.key)
            assert m.score <= product.opt_score + 0.005, (name, product.key, m.score, product.opt_score)
            assert m.score <= product.opt_rank, (name, product.key, m.score, product.opt_rank)
            # The kind's tie-break at equal scores is never better than SQL's key says.
            assert BY_NAME["programme"].parts.get(m.kind, 0.0) <= product.opt_kind, (name, product.key)
            checked += 1
    assert checked > 1000


def test_weights_are_whole_cents():
    """The SQL bound is rounded to cents by the database and scores by Python: sums of whole cents
    never fall on a half cent, so both round alike and the keys' order is `Match.sort_key`'s."""
    shares = [c.weight * part for c in CRITERIA for part in (1.0, *c.parts.values())]
    assert all(abs(v * 100 - round(v * 100)) < 1e-9 for v in shares), shares


@pytest.mark.parametrize(("candidates", "keys"), [(1, 2), (10, 15), (12, 1000), (30, 40)])
def test_prefilter_ranking_equals_scoring_everything(monkeypatch, candidates, keys):
    """With few candidates the prefilter prunes on the test catalogue, and with few keys read ties
    reach past them (every key is read then); the page must not change."""
    monkeypatch.setattr(matching, "CANDIDATES", candidates)
    monkeypatch.setattr(matching, "KEYS", keys)
    for name, p in _profiles():
        assert _ranking(p) == _ranking(p, prefilter=False), name
