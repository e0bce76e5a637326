"""The list pages read their rows with the joins planned as written (catalogue/planner.py), and
leave the connection's planner as they found it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.planner import joins_as_written

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        return cursor.fetchone()[0]


@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/cases/", "/products/", "/cases/?province=330000&page=2&page_size=10"])
def test_rows_are_read_inside_and_the_setting_is_put_back(client, url):
    default = _setting()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    start = next(i for i, s in enumerate(sql) if s.startswith("SET join_collapse_limit"))
    end = next(i for i, s in enumerate(sql) if s.startswith("RESET join_collapse_limit"))
    rows = [s for s in sql[start + 1 : end] if "LIMIT" in s]
    assert rows and ("products_case" in rows[0] or "products_product" in rows[0])
    assert _setting() == default


@postgres_only
@pytest.mark.django_db
def test_put_back_after_an_error_inside():
    default = _setting()
    with pytest.raises(ZeroDivisionError), joins_as_written():
        assert _setting() == "1"
        1 / 0  # noqa: B018
    assert _setting() == default


@pytest.mark.django_db
def test_nothing_to_do_elsewhere():
    with CaptureQueriesContext(connection) as ctx, joins_as_written():
        pass
    assert len(ctx.captured_queries) == (2 if connection.vendor == "postgresql" else 0)
