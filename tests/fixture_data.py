"""Read the curated files directly (not through the database) for tests that check them."""

import json
import re
from pathlib import Path

from django.conf import settings

KINDS = ("products", "cases", "policies", "metrics")


def part_files() -> list[Path]:
    return sorted((settings.FIXTURES_DIR / "parts").glob("*.json"))


def records():
    """(file name, kind, record, source) for every source of every record."""
    for path in part_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        for kind in KINDS:
            for rec in data.get(kind, []):
                for src in rec.get("sources", []):
                    yield path.name, kind, rec, {**src, "document": src.get("document", data["document"])}


def readme_counts() -> dict[tuple[str, str], dict[str, int]]:
    """The table in fixtures/README.md: (document, part) → counts per record type."""
    text = (settings.FIXTURES_DIR / "README.md").read_text(encoding="utf-8")
    table = {}
    for line in text.splitlines():
        m = re.match(r"^\|\s*`?(\d{3}_[0-9a-f]+\.txt)`?\s*\|\s*([^|]+?)\s*\|" + r"\s*(\d+)\s*\|" * 4, line)
        if m:
            doc, part, *nums = m.groups()
            table[(doc, part)] = dict(zip(KINDS, map(int, nums), strict=True))
    return table


def fixture_records(kind: str) -> list[dict]:
    """Every record of `kind` ("cases", "products", …) as the curated part files write it."""
    found = []
    for path in part_files():
        found += json.loads(path.read_text(encoding="utf-8")).get(kind, [])
    return found
