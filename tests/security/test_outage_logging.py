"""Issue 20 finding 11: during a database outage every 503 logged a full traceback (13 MB in
35 s). Now the first failure of an outage carries the traceback, each later one is one line with
its request id, and the first query that succeeds again ends the outage with a summary line."""

import logging
import sys

import pytest
from django.db import OperationalError, connection
from django.test import Client

from catalogue.resilience import database_outage

pytestmark = pytest.mark.django_db


class Down:
    """Every query fails as it does while PostgreSQL is stopped, until `up()`."""

    def __init__(self) -> None:
        self.down = True

    def __call__(self, execute, sql, params, many, context):
        if self.down:
            raise OperationalError(
                'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
            )
        return execute(sql, params, many, context)

    def up(self) -> None:
        self.down = False


@pytest.fixture
def database_down():
    database_outage.since, database_outage.failures = None, 0
    down = Down()
    with connection.execute_wrapper(down):
        yield down
    database_outage.since, database_outage.failures = None, 0


def records_with_tracebacks(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or r.exc_text]


def test_one_traceback_per_outage_and_one_line_per_failed_request(database_down, caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.INFO):
        statuses = [client.get(url).status_code for url in ["/products/", "/api/v1/cases/"] * 10]
    assert statuses == [503] * 20

    assert len(records_with_tracebacks(caplog)) == 1
    outage = [r for r in caplog.records if r.name == "catalogue.outage"]
    assert len(outage) == 20  # one line each, the first with the traceback
    assert all(getattr(r, "correlation_id", None) for r in outage)  # each names its request id
    assert not [r for r in caplog.records if r.name == "django.request"]
    assert sum(len(r.getMessage()) for r in outage[1:]) < 19 * 300


def test_a_successful_query_ends_the_outage(database_down, caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.INFO):
        client.get("/products/")
        client.get("/products/")
        database_down.up()  # the database is back
        assert client.get("/cases/").status_code == 200
    assert not database_outage.ongoing
    ended = [r.getMessage() for r in caplog.records if "reachable again" in r.getMessage()]
    assert len(ended) == 1 and "2 requests" in ended[0]


def test_a_second_outage_gets_its_own_traceback(database_down, caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.INFO):
        client.get("/products/")
        database_outage.recovered()
        client.get("/products/")
        client.get("/products/")
    assert len(records_with_tracebacks(caplog)) == 2


def test_a_redis_outage_logs_one_traceback_a_minute():
    from catalogue.resilience import OneTracebackPerMinute

    flt = OneTracebackPerMinute()
    records = []
    for _ in range(5):
        try:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        except ConnectionError:
            record = logging.LogRecord(
                "catalogue.resilience", logging.ERROR, __file__, 1, "Exception ignored", (), sys.exc_info()
            )
        assert flt.filter(record)
        records.append(record)
    assert [bool(r.exc_info) for r in records] == [True, False, False, False, False]
    assert "Connection refused" in records[1].getMessage()
