"""The firm profiles of profiles.json and the client sentences of sentences.json, and one profile
as the query string /match/ reads."""

from __future__ import annotations

import json
from pathlib import Path

from django.http import QueryDict

PROFILES = json.loads((Path(__file__).with_name("profiles.json")).read_text(encoding="utf-8"))
SENTENCES = json.loads((Path(__file__).with_name("sentences.json")).read_text(encoding="utf-8"))


def profile_query(profile: dict) -> QueryDict:
    q = QueryDict(mutable=True)
    for k in ("province", "city", "industry", "size", "amount", "term_months"):
        if profile.get(k) is not None:
            q[k] = str(profile[k])
    for k in ("labels", "collateral", "themes"):
        q.setlist(k, profile.get(k) or [])
    return q
