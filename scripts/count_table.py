"""Print the per-part count table for fixtures/README.md from each part file's `expected`
(the counts each extractor made by reading the document, checked against the records by
scripts/check_fixtures.py). tests/loader/test_loader.py asserts the loaded catalogue equals the table.

    python scripts/count_table.py
"""

import json
from pathlib import Path

FIX = Path(__file__).resolve().parent.parent / "fixtures"
KINDS = ("products", "cases", "policies", "metrics")


def main() -> None:
    rows: dict[tuple[str, str], dict[str, int]] = {}
    for path in sorted((FIX / "parts").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for part, counts in data["expected"].items():
            row = rows.setdefault((data["document"], part), dict.fromkeys(KINDS, 0))
            for kind, n in counts.items():
                row[kind] += n
    print("| document | part | products | cases | policies | metrics |")
    print("|---|---|---:|---:|---:|---:|")
    for (doc, part), c in sorted(rows.items()):
        print(f"| `{doc}` | {part} | " + " | ".join(str(c[k]) for k in KINDS) + " |")


if __name__ == "__main__":
    main()
