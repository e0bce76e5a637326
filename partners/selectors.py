"""Reads of the partners app."""

from __future__ import annotations

import hmac

from django.db.models import QuerySet

from partners.models import ApiKey, Partner, Submission
from partners.services import hash_key

MAX_KEY_LENGTH = 200


def api_key_for(raw: str) -> ApiKey | None:
    """The usable key a raw key string belongs to, or None (unknown, malformed or revoked)."""
    prefix, dot, _ = (raw or "").strip().partition(".")
    if not dot or not prefix or len(raw) > MAX_KEY_LENGTH:
        return None
    key = ApiKey.objects.usable().select_related("partner").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.hashed_key, hash_key(raw.strip())):
        return None
    return key


def submission_list(*, partner: Partner) -> QuerySet[Submission]:
    """A partner's own submissions, never anyone else's."""
    return Submission.objects.filter(partner=partner).select_related("product", "case")
