"""Every structured term traces to its document, like every record does (tests/loader/test_provenance.py),
and the terms files keep to the format in fixtures/SCHEMA.md."""

import json
import re
import subprocess
import sys

from django.conf import settings

WS = re.compile(r"\s+")
LISTS = ("collateral", "labels", "sizes", "industries", "channels", "regions", "rates", "support")
SINGLE = ("programme_kind", "amount", "term", "programme_size")


def term_sources():
    """(file name, product key, field, source) for every value of every terms file."""
    for path in sorted((settings.FIXTURES_DIR / "terms").glob("*.json")):
        if path.name == "vocabularies.json":
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        for key, rec in data["products"].items():
            values = [(f, rec[f]) for f in SINGLE if f in rec]
            values += [(f, v) for f in LISTS for v in rec.get(f, [])]
            for field, value in values:
                src = value["source"]
                yield path.name, key, field, {**src, "document": src.get("document", data["document"])}


def test_every_terms_excerpt_is_in_its_document(seeds_dir):
    texts, missing, checked = {}, [], 0
    for file_name, key, field, src in term_sources():
        if src["document"] not in texts:
            texts[src["document"]] = WS.sub("", (seeds_dir / src["document"]).read_text(encoding="utf-8"))
        if WS.sub("", src["excerpt"]) not in texts[src["document"]]:
            missing.append(f"{file_name} {key} {field}: {src['excerpt']!r}")
        checked += 1
    assert checked > 300, "expected hundreds of sourced terms"
    assert not missing, "terms excerpts not found in their documents:\n" + "\n".join(missing)


def test_every_terms_source_has_part_locator_and_short_excerpt():
    for _file, key, field, src in term_sources():
        assert src["part"].strip() and src["locator"].strip(), (key, field)
        assert 12 <= len(src["excerpt"]) <= 80, (key, field, src["excerpt"])


def test_every_product_has_a_programme_kind():
    products = {
        r["key"]
        for p in (settings.FIXTURES_DIR / "parts").glob("*.json")
        for r in json.loads(p.read_text(encoding="utf-8"))["products"]
    }
    with_kind = {key for _f, key, field, _s in term_sources() if field == "programme_kind"}
    assert products and with_kind == products, sorted(products ^ with_kind)


def test_check_terms_script_passes(seeds_dir):
    """The stand-alone checker (vocabularies, regions, policies, profiles) agrees."""
    script = settings.BASE_DIR / "scripts" / "check_terms.py"
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]
