"""PostgreSQL planner settings for statements whose plan is known better than the planner guesses.

A list row's joins (a case with its product and category, institution and head office, province
and city: nine tables) cost PostgreSQL ~20–30 ms of planning to consider every join order, for a
statement that then runs in ~1 ms (EXPLAIN ANALYZE at 100,000 cases: planning 26.5 ms, execution
5.0 ms; with the joins in the order written, planning 2.2 ms, execution 0.7 ms). The written
order — the filtered, sorted table first, then lookups by primary key — is the plan it picks
anyway. Elsewhere (facet counts, search) the planner keeps its freedom.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connections

log = logging.getLogger(__name__)


@contextmanager
def joins_as_written(using: str | None = None) -> Iterator[None]:
    """Statements inside plan their joins in the order the query writes them (PostgreSQL's
    join_collapse_limit = 1); elsewhere, and on SQLite, nothing changes. By default on the
    database this request reads (a replica when catalogue.db_routing chose one)."""
    from catalogue.db_routing import read_alias

    connection = connections[using or read_alias()]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET join_collapse_limit = 1")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET join_collapse_limit")
        except DatabaseError:  # the connection failed inside; a new one starts with the default
            log.warning("could not reset join_collapse_limit", exc_info=True)
