"""Orderings shared by pages: newest first with undated records last on every database
(PostgreSQL would otherwise put NULL dates first when descending)."""

from django.db.models import F

NEWEST_CASE = F("date").desc(nulls_last=True)
NEWEST_POLICY = F("issued_date").desc(nulls_last=True)
