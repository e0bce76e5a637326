"""Issue 20 finding 10: two `load_catalogue` at once on a new database (two servers starting
together) and one died with a raw IntegrityError. Loads now take turns (loader.fixtures
catalogue_load_lock: a PostgreSQL advisory lock, a file lock on SQLite): the second waits, then
finds nothing to change; with --no-wait it exits 0 saying another load is running."""

import os
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from loader.fixtures import catalogue_load_lock

pytestmark = pytest.mark.django_db


def database_url(name: str) -> str:
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{name}"
    return f"sqlite:///{name}"


def command_env(url: str) -> dict[str, str]:
    unset = ("SECRET_KEY", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_BROKER_URL", "REDIS_URL")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings.base", "DEBUG": "1", "DATABASE_URL": url}


def manage(url: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=command_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run(url: str, *args: str, timeout: int = 300) -> tuple[int, str]:
    process = manage(url, *args)
    out, _ = process.communicate(timeout=timeout)
    return process.returncode, out


@pytest.fixture
def new_database(tmp_path):
    """An empty, migrated database of the kind the tests run on."""
    if connection.vendor == "postgresql":
        name = f"{connection.settings_dict['NAME']}_load_{uuid.uuid4().hex[:8]}"
        admin = database_url("postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = database_url(name)
    else:
        url = database_url(str(tmp_path / "new.sqlite3"))
    code, out = run(url, "migrate", "--noinput", "-v0")
    assert code == 0, out[-2000:]
    yield url
    if connection.vendor == "postgresql":
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_two_loads_at_once_on_a_new_database_both_succeed(new_database):
    first = manage(new_database, "load_catalogue")
    second = manage(new_database, "load_catalogue")
    outs = [p.communicate(timeout=600)[0] for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], "\n".join(o[-3000:] for o in outs)
    assert not any("IntegrityError" in o for o in outs)
    assert all("catalogue loaded" in o for o in outs)
    # They overlapped (a load takes seconds): one of them waited for the other.
    assert any("waiting for it to finish" in o for o in outs), outs
    code, out = run(new_database, "load_catalogue", "--if-changed")
    assert code == 0 and "unchanged" in out


def test_no_wait_exits_0_while_another_load_holds_the_lock():
    url = database_url(connection.settings_dict["NAME"])
    with catalogue_load_lock(wait=False) as held:
        assert held
        code, out = run(url, "load_catalogue", "--no-wait", timeout=120)
    assert code == 0 and "already loading" in out, out[-2000:]


def test_the_lock_is_reentrant_and_released():
    with catalogue_load_lock() as outer, catalogue_load_lock(wait=False) as inner:
        assert outer and inner
    with catalogue_load_lock(wait=False) as again:
        assert again
