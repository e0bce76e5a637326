#!/usr/bin/env bash
# Regenerate the count table inside fixtures/README.md (between the markers).
set -euo pipefail
cd "$(dirname "$0")/.."
table=$(python3 scripts/count_table.py)
python3 - "$table" <<'PY'
import sys, re
from pathlib import Path
p = Path("fixtures/README.md")
s = p.read_text(encoding="utf-8")
s = re.sub(r"(<!-- counts:start -->\n).*?(<!-- counts:end -->)", lambda m: m.group(1) + sys.argv[1] + "\n" + m.group(2), s, flags=re.S)
p.write_text(s, encoding="utf-8")
PY
