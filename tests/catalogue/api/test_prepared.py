"""The API's own hot statements prepared server-side (catalogue/api/prepared.py): the same bytes
with preparing on and off, on either database; on PostgreSQL one statement prepared per connection
for a record or a cursor walk, none when switched off, and a statement the server forgot (or that
a migration changed) read again on a new connection instead of failing the request."""

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from catalogue.api.prepared import enabled, read_prepared
from products.models import Case, Theme
from tests.api_client import get

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


@pytest.fixture(autouse=True)
def no_response_cache(settings):
    settings.API_RESPONSE_CACHE_SECONDS = 0


@pytest.fixture
def prepared_off(monkeypatch):
    """DATABASE_PREPARED_STATEMENTS=0 as the settings apply it: no prepare_threshold in OPTIONS."""

    def switch_off():
        monkeypatch.delitem(connection.settings_dict["OPTIONS"], "prepare_threshold", raising=False)
        assert not enabled(connection.alias)

    return switch_off


def urls() -> list[str]:
    case = Case.objects.published().exclude(province=None).order_by("pk").first()
    theme = Theme.objects.order_by("position").first()
    return [
        "/api/v1/cases/?page_size=20",
        f"/api/v1/cases/?province={case.province_id}&page_size=20",
        f"/api/v1/cases/?theme={theme.slug}&ordering=-amount",  # SELECT DISTINCT … ORDER BY
        "/api/v1/cases/?page=2&page_size=5",  # a deeper page: not prepared, the same bytes
        "/api/v1/cases/?pagination=cursor&page_size=7",
        f"/api/v1/cases/{case.pk}/",
        "/api/v1/cases/2000000011/",  # the 404's problem details
        "/api/v1/products/?page_size=20",
        "/api/v1/products/?pagination=cursor&page_size=5",
        "/api/v1/themes/",
    ]


def responses(api, many: int = 2) -> list[tuple[int, bytes, str]]:
    """Every URL asked `many` times (a first time prepares, a second uses it), and the cursor
    walks' second pages."""
    out = []
    for url in urls():
        for _ in range(many):
            response = api.get(url, HTTP_ACCEPT="application/json")
            out.append((response.status_code, response.content, response.get("ETag", "")))
            body = response.json()
            if response.status_code == 200 and body.get("next") and "cursor" in url:
                following = get(api, body["next"])
                out.append((following.status_code, following.content, following.get("ETag", "")))
    return out


def test_the_same_bytes_with_preparing_on_and_off(api, many_cases, prepared_off):
    if connection.vendor == "postgresql":
        assert enabled(connection.alias)
    else:
        assert not enabled(connection.alias)  # SQLite: today's path, nothing to switch
    on = responses(api)
    assert [status for status, _, _ in on].count(404) == 2
    prepared_off()
    assert responses(api) == on


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements ORDER BY prepare_time")
        return [row[0] for row in cursor.fetchall()]


@on_postgresql
def test_a_record_is_one_statement_prepared_once_per_connection(api):
    ids = list(Case.objects.published().order_by("pk").values_list("pk", flat=True)[:4])
    before = prepared_statements()
    bodies = [get(api, f"/api/v1/cases/{pk}/").json() for pk in ids]
    assert [b["id"] for b in bodies] == ids
    new = [s for s in prepared_statements() if s not in before]
    assert len(new) == 1 and "json_build_object" in new[0] and "$2" in new[0], new


@on_postgresql
@pytest.mark.parametrize("url", ["/api/v1/cases/{pk}/", "/api/v1/cases/?pagination=cursor&page_size=5"])
def test_the_query_log_shows_a_prepared_statement_as_it_ran(api, prepared_off, url):
    """DEBUG's connection.queries, the tests' captured statements and the bench's floor (EXPLAIN
    of each) read the statement with its values written in, as without preparing."""
    url = url.format(pk=Case.objects.published().values_list("pk", flat=True).first())
    before = prepared_statements()
    get(api, url)  # prepared the second time it runs on the connection
    assert prepared_statements() == before
    with CaptureQueriesContext(connection) as on:
        get(api, url)
    assert len(prepared_statements()) == len(before) + 1
    prepared_off()
    with CaptureQueriesContext(connection) as off:
        get(api, url)
    assert [q["sql"] for q in on.captured_queries] == [q["sql"] for q in off.captured_queries]
    assert "'published'" in on.captured_queries[-1]["sql"]


@on_postgresql
def test_a_cursor_walk_is_one_statement_prepared_once(api, many_cases):
    before = prepared_statements()
    for _walk in range(2):
        url, pages = "/api/v1/cases/?pagination=cursor&page_size=30", 0
        while url and pages < 4:
            url = get(api, url).json()["next"]
            pages += 1
        assert pages == 4
    new = [s for s in prepared_statements() if s not in before]
    # The first page and the following ones differ by the position's condition: two statements,
    # each prepared the second time it ran.
    assert len(new) == 2 and all("LIMIT 31" in s for s in new), new


@on_postgresql
def test_a_filtered_list_or_a_deeper_page_is_not_prepared(api, many_cases):
    province = Case.objects.published().exclude(province=None).values_list("province", flat=True).first()
    before = prepared_statements()
    for url in (
        f"/api/v1/cases/?province={province}&page_size=5",
        f"/api/v1/cases/?province={province}&pagination=cursor&page_size=5",
        "/api/v1/cases/?page=2&page_size=5",
    ):
        get(api, url)
        get(api, url)
    assert prepared_statements() == before


@on_postgresql
def test_switched_off_nothing_is_prepared(api, many_cases, prepared_off):
    prepared_off()
    before = prepared_statements()
    for url in urls():
        api.get(url, HTTP_ACCEPT="application/json")
    assert prepared_statements() == before


@pytest.fixture
def probe():
    """A second connection to the test database, in autocommit as a served request's is (the
    test's own connection is inside the test's transaction)."""
    wrapper = type(connections["default"])({**connection.settings_dict}, alias="prepared_probe")
    connections["prepared_probe"] = wrapper
    with wrapper.cursor() as cursor:
        cursor.execute("CREATE TABLE prepared_probe (x integer)")
        cursor.execute("INSERT INTO prepared_probe VALUES (1), (2)")
    yield wrapper
    with wrapper.cursor() as cursor:
        cursor.execute("DROP TABLE prepared_probe")
    wrapper.close()
    del connections["prepared_probe"]


def read(alias: str, x: int) -> list[tuple]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT x FROM prepared_probe WHERE x = %s", [x])
        return cursor.fetchall()


def behind_psycopg(wrapper, statement: str) -> None:
    """`statement` run inside a DO block, so psycopg does not see what it does (as when a pooler
    resets the session, or a migration runs on another connection)."""
    with wrapper.cursor() as cursor:
        cursor.execute(f"DO $$ BEGIN EXECUTE '{statement}'; END $$")


@on_postgresql
@pytest.mark.parametrize(
    "change",
    ["DEALLOCATE ALL", "ALTER TABLE prepared_probe ALTER x TYPE bigint"],
    ids=["session reset", "migration"],
)
def test_a_statement_the_server_no_longer_serves_is_read_again(probe, change):
    for _ in range(2):  # prepared the second time
        assert read_prepared(probe.alias, lambda: read(probe.alias, 1)) == [(1,)]
    assert any("prepared_probe" in s for s in prepared_names(probe))
    first = probe.connection
    behind_psycopg(probe, change)
    assert read_prepared(probe.alias, lambda: read(probe.alias, 2)) == [(2,)]
    assert probe.connection is not first  # that connection was closed; the next one prepares
    for _ in range(2):
        assert read_prepared(probe.alias, lambda: read(probe.alias, 1)) == [(1,)]
    assert any("prepared_probe" in s for s in prepared_names(probe))


def prepared_names(wrapper) -> list[str]:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@on_postgresql
def test_other_errors_are_not_retried(probe):
    from django.db import ProgrammingError

    def broken() -> list[tuple]:
        with probe.cursor() as cursor:
            cursor.execute("SELECT y FROM prepared_probe WHERE x = %s", [1])
            return cursor.fetchall()

    first = probe.connection
    with pytest.raises(ProgrammingError):
        read_prepared(probe.alias, broken)
    assert probe.connection is first


@on_postgresql
def test_a_killed_connection_is_an_outage_error_and_the_next_one_prepares_again(probe):
    from django.db import OperationalError

    for _ in range(2):
        assert read_prepared(probe.alias, lambda: read(probe.alias, 1)) == [(1,)]
    with probe.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    with pytest.raises(OperationalError):  # what the site answers 503 to, not retried
        read_prepared(probe.alias, lambda: read(probe.alias, 2))
    probe.close_if_unusable_or_obsolete()  # as at the end of that request
    for _ in range(2):
        assert read_prepared(probe.alias, lambda: read(probe.alias, 2)) == [(2,)]
    assert any("prepared_probe" in s for s in prepared_names(probe))


@pytest.mark.parametrize(
    "url",
    ["/api/v1/cases/?page_size=5", "/api/v1/cases/?pagination=cursor&page_size=5", "/api/v1/cases/{pk}/"],
)
def test_the_database_down_is_a_503(api, url):
    from django.db import OperationalError

    from catalogue.resilience import database_outage

    pk = Case.objects.published().values_list("pk", flat=True).first()

    def down(execute, sql, params, many, context):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    with connection.execute_wrapper(down):
        response = api.get(url.format(pk=pk), HTTP_ACCEPT="application/json")
    database_outage.since, database_outage.failures = None, 0  # this outage ends with the test
    assert response.status_code == 503 and response["Retry-After"]
    assert response.json()["type"].endswith(":service-unavailable")
