"""The catalogue's version is kept per process for CATALOGUE_VERSION_SECONDS (catalogue/versioning.py),
so a cached response costs no statement; any write this process makes forgets it at once."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.signals import request_finished
from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.test.utils import CaptureQueriesContext

from catalogue import versioning
from catalogue.versioning import catalogue_stamps, catalogue_version, kept_stamps
from institutions.models import Institution
from tests.factories import InstitutionFactory

# Outside a transaction, as requests run (ATOMIC_REQUESTS is off): inside one nothing is kept.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def kept(settings):
    settings.CATALOGUE_VERSION_SECONDS = 60
    kept_stamps.forget()
    yield
    kept_stamps.forget()


def statements(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def test_the_version_is_read_once_then_kept():
    assert statements(catalogue_version) == 1
    assert statements(catalogue_version) == 0


def test_zero_seconds_reads_it_every_time(settings):
    settings.CATALOGUE_VERSION_SECONDS = 0
    catalogue_version()
    assert statements(catalogue_version) == 1


def test_it_expires(monkeypatch):
    catalogue_version()
    now = versioning.time.monotonic()
    monkeypatch.setattr(versioning.time, "monotonic", lambda: now + 61)
    assert statements(catalogue_version) == 1


def test_a_model_save_moves_it_at_once():
    bank = InstitutionFactory()
    before = catalogue_version()
    bank.name_en = bank.name_en + " (renamed)"
    bank.save()
    assert catalogue_version() != before


def test_a_bulk_update_moves_it_at_once():
    InstitutionFactory()
    before = catalogue_stamps()["institutions.Institution"]
    # No signal is sent for a queryset update: the execute wrapper sees the statement itself.
    Institution.objects.update(modified=before.replace(year=before.year + 1))
    assert catalogue_stamps()["institutions.Institution"].year == before.year + 1


def test_raw_sql_moves_it_at_once():
    bank = InstitutionFactory()
    before = catalogue_version()
    table, column = Institution._meta.db_table, Institution._meta.get_field("modified").column
    stamp = bank.modified.replace(year=bank.modified.year + 1)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [stamp, bank.pk])
    assert catalogue_version() != before


def test_reads_do_not_forget_it():
    catalogue_version()
    assert statements(lambda: list(Institution.objects.all()[:3])) == 1
    assert statements(catalogue_version) == 0


def test_a_read_that_began_before_a_write_is_not_kept():
    # Another thread's read, started before this thread's write and finished after it, would
    # keep the stamps of before the write.
    started, generation = versioning.time.monotonic(), kept_stamps.generation
    stale = versioning._read_stamps("default")
    kept_stamps.forget()
    kept_stamps.put("default", stale, started, generation)
    assert kept_stamps.get("default", 60) is None


def test_the_watch_survives_a_connection_opened_inside_an_execute_wrapper_block():
    def passthrough(execute, sql, params, many, context):
        return execute(sql, params, many, context)

    opened = SimpleNamespace(execute_wrappers=[])
    opened.execute_wrappers.append(passthrough)  # `with connection.execute_wrapper(passthrough):`
    connection_created.send(sender=type(connection), connection=opened)  # opened inside the block
    connection_created.send(sender=type(connection), connection=opened)  # reopened: not twice
    opened.execute_wrappers.pop()  # the block ends
    assert opened.execute_wrappers == [versioning.watch_writes]
    assert versioning.watch_writes in connection.execute_wrappers


def test_nothing_is_kept_inside_a_transaction():
    catalogue_version()
    with transaction.atomic():
        assert statements(catalogue_version) == 1
        bank = InstitutionFactory()
        inside = catalogue_version()
        assert statements(catalogue_version) == 1
        transaction.set_rollback(True)
    assert bank.pk and catalogue_version() != inside


def test_a_cached_api_response_runs_no_statement(client, settings):
    settings.API_RESPONSE_CACHE_SECONDS = 60
    InstitutionFactory()
    client.get("/api/v1/institutions/")  # this thread wrote: the stamps are read again at its end
    first = client.get("/api/v1/institutions/")
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/api/v1/institutions/")
    assert again.status_code == 200 and again.content == first.content
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_writes_elsewhere_keep_it():
    from django.contrib.sessions.models import Session

    catalogue_version()
    Session.objects.all().delete()
    assert statements(catalogue_version) == 0


def test_a_writing_request_forgets_it_again_when_it_ends():
    # Between a write and its commit another thread may keep the stamps of before the write.
    bank = InstitutionFactory()
    bank.save()
    stale = versioning._read_stamps("default")
    kept_stamps.put("default", stale, versioning.time.monotonic(), kept_stamps.generation)
    request_finished.send(sender=None)
    assert statements(catalogue_version) == 1
