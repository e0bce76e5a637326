"""Every record traces to its document: the excerpt must be in the text (whitespace aside)."""

import re

import pytest

from institutions.models import MetricSource
from policies.models import PolicySource
from products.models import CaseSource, ProductSource
from tests.fixture_data import records

WS = re.compile(r"\s+")


def test_every_fixture_excerpt_is_in_its_document(seeds_dir):
    texts, missing, checked = {}, [], 0
    for file_name, kind, rec, src in records():
        if src["document"] not in texts:
            texts[src["document"]] = WS.sub("", (seeds_dir / src["document"]).read_text(encoding="utf-8"))
        if WS.sub("", src["excerpt"]) not in texts[src["document"]]:
            missing.append(f"{file_name} {kind} {rec['key']}: {src['excerpt']!r}")
        checked += 1
    assert checked > 300, "expected hundreds of sourced records"
    assert not missing, "excerpts not found in their documents:\n" + "\n".join(missing)


def test_every_fixture_record_has_a_source_with_locator_and_short_excerpt():
    seen = set()
    for _file, _kind, rec, src in records():
        seen.add(rec["key"])
        assert src["locator"].strip() and src["part"].strip(), rec["key"]
        assert 12 <= len(src["excerpt"]) <= 80, (rec["key"], src["excerpt"])
    assert len(seen) > 200


@pytest.mark.django_db
@pytest.mark.parametrize("model", [ProductSource, CaseSource, PolicySource, MetricSource])
def test_loaded_sources_are_in_the_documents(model, seeds_dir):
    texts = {p.name: WS.sub("", p.read_text(encoding="utf-8")) for p in seeds_dir.glob("*.txt")}
    rows = list(model.objects.select_related("document"))
    assert rows
    bad = [s for s in rows if WS.sub("", s.excerpt) not in texts.get(s.document.file_name, "")]
    assert not bad, bad[:5]


@pytest.mark.django_db
def test_every_published_record_has_a_source():
    from institutions.models import Metric
    from policies.models import Policy
    from products.models import Case, Product

    for model in (Product, Case, Policy, Metric):
        assert not model.objects.published().filter(sources__isnull=True).exists(), model.__name__
