"""Server-side prepared statements for the API's own hot statements (issue 22), and only those.

Why: a case list page or record is one statement of a dozen correlated json_build_object
subqueries (products/api.py), and PostgreSQL spent more time planning it than running it. A
prepared statement is parsed once per connection and, after PostgreSQL's five custom plans, runs
a generic plan that is not planned again. Measured in process at 100,000 cases, one connection,
requests alternating off and on (medians): the 50-case first page 4.4 → 3.6 ms, one case 1.4 →
1.0 ms, the 50-product page 6.3 → 5.2 ms; a cursor page 5.4 → 5.1 ms only, since PostgreSQL keeps
custom plans for its position's range (its generic plan is estimated dearer).

Why not Django's `server_side_binding` option: it binds every statement of the site server-side,
and a parameter written twice (in SELECT DISTINCT and in ORDER BY) becomes two parameters that
PostgreSQL cannot match, so `/cases/?theme=…&ordering=-amount` answered 500. Here the ORM's
statements stay client-bound; only a statement read through `read_prepared()` is bound server-side
and prepared by psycopg the second time its text runs on the connection (prepare_threshold 1,
config/settings/base.py), and callers use it only for statements whose text repeats: a record by id, an unfiltered list's first page or cursor page (none DISTINCT:
`read_queryset`). Their parameters have one good plan whatever their values (an id, the status,
a cursor position). A filtered list's do not: after five executions PostgreSQL may keep a generic
plan, one for every value, and at 100,000 cases the generic plan of `province=` read a province
of 2 cases in 274 ms (walking the date index) against 2.2 ms custom; so filtered lists are read
unprepared, as before. Nor is a deeper numbered page: its OFFSET is written into the text, and
as a parameter it made PostgreSQL's generic plan estimate a tenth of the table (cost 167,000
against 5,000), so that plan would never have been used.

Prepared names live in the connection: psycopg keeps them per connection (at most
`prepared_max`, 100, the oldest deallocated), so a closed or replaced connection simply prepares
again; after a ROLLBACK or a DROP/ALTER on the same connection psycopg forgets them all and runs
DEALLOCATE ALL. A migration run from another connection makes PostgreSQL replan the statement by
itself; one that changes a column the statement returns fails it with "cached plan must not change
result type", and a session reset behind psycopg's back (a pooler's DISCARD ALL) with "prepared
statement does not exist": `read_prepared` then closes that connection (its statements go with
it) and reads again on a new one. An outage stays what it was (the OperationalError that the
site answers 503 to).

DATABASE_PREPARED_STATEMENTS=0 switches this off (PgBouncer in transaction mode before 1.21
cannot keep a connection's prepared statements): then, as on SQLite, nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar

from django.db import DatabaseError, connections
from django.db.models import QuerySet

T = TypeVar("T")

# The error a prepared statement raises when a column it returns changed type under it.
PLAN_CHANGED = "cached plan must not change result type"


def enabled(using: str) -> bool:
    """Whether statements read through `read_prepared(using, …)` are prepared: on PostgreSQL
    when the database's connections may prepare (settings: DATABASE_PREPARED_STATEMENTS sets
    psycopg's prepare_threshold, which Django otherwise sets to None, i.e. never)."""
    wrapper = connections[using]
    return (
        wrapper.vendor == "postgresql"
        and wrapper.settings_dict["OPTIONS"].get("prepare_threshold") is not None
    )


class LoggedStatement:
    """What Django's query log reads of a psycopg cursor (`_query.query`, in last_executed_query):
    the statement with its values written in, as a client-bound cursor sends it, written only
    when read. psycopg fills `_query` only when it does not prepare, and with $n placeholders when
    it binds server-side; DEBUG's connection.queries, the tests' captured statements and the
    bench's floor (which runs EXPLAIN on them) need the statement as it ran."""

    def __init__(self, connection: Any, sql: Any, params: Any) -> None:
        self._connection, self._sql, self._params = connection, sql, params

    @property
    def query(self) -> bytes:
        from psycopg import ClientCursor

        return ClientCursor(self._connection).mogrify(self._sql, self._params).encode()


@cache
def preparing_cursor() -> type:
    """Django's psycopg cursor with server-side binding, which psycopg prepares statements on
    (from their prepare_threshold-th repetition), and logs them as client-bound ones are.
    (Imported here: the PostgreSQL backend cannot be imported where psycopg is missing.)"""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            try:
                return super().execute(query, params, **kwargs)
            finally:
                self._query = LoggedStatement(self.connection, query, params)

    return PreparingCursor


@contextmanager
def _bound_server_side(using: str) -> Iterator[None]:
    wrapper = connections[using]
    wrapper.ensure_connection()  # Django's errors (the outage's 503) if the server is down
    raw = wrapper.connection
    # cursor_factory is the psycopg connection's public attribute that Django set when it
    # connected; connections are per thread, so no other request sees the swap.
    usual = raw.cursor_factory
    raw.cursor_factory = preparing_cursor()
    try:
        yield
    finally:
        raw.cursor_factory = usual


def read_prepared(using: str, read: Callable[[], T]) -> T:
    """`read()` (which runs one statement on `using`, e.g. `list(queryset)`) with that statement
    prepared on PostgreSQL when enabled; otherwise just `read()`."""
    if not enabled(using):
        return read()
    try:
        with _bound_server_side(using):
            return read()
    except DatabaseError as error:
        wrapper = connections[using]
        if not stale(error) or not wrapper.get_autocommit():
            raise
        # The server's statement is gone or no longer fits: it dies with the server session, so
        # a new connection reads this time (unprepared) and prepares from the next request on.
        wrapper.close()
        return read()


def read_queryset(queryset: QuerySet, read: Callable[[], T]) -> T:
    """`read_prepared` for the statement of `queryset`, unless it is DISTINCT or grouped: bound
    server-side, a parameter written twice (in SELECT or ORDER BY and in DISTINCT or GROUP BY)
    becomes two that PostgreSQL cannot match, and it refuses the statement (Django ticket
    #34255; a case list by theme ordered by amount was one). Those stay client-bound."""
    query = queryset.query
    if query.distinct or query.group_by is not None or query.combinator:
        return read()
    return read_prepared(queryset.db, read)


def stale(error: DatabaseError) -> bool:
    """Whether `error` says a prepared statement of this connection no longer serves: the server
    has no such statement (26000: its session was reset behind psycopg, e.g. a pooler's DISCARD
    ALL), or a migration changed a column it returns (0A000, "cached plan must not change
    result type"); never an outage (that stays the OperationalError the site answers 503 to)."""
    state = getattr(error.__cause__, "sqlstate", None)
    return state == "26000" or (state == "0A000" and PLAN_CHANGED in str(error))
