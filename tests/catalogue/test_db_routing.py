"""Read replicas (catalogue.db_routing): which database each request reads, the pin after a write,
a replica that does not answer or fails mid-request, and what /readyz says. The "replica" alias of
the test settings is the primary's test database under a second connection, so each test can
count the queries that went to either."""

from __future__ import annotations

import time

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.test.utils import CaptureQueriesContext

from catalogue import db_routing
from catalogue.db_routing import PIN_COOKIE, ReplicaRouter, replica_health

pytestmark = pytest.mark.django_db(databases=["default", "replica"])

MIDDLEWARE = "catalogue.db_routing.ReplicaReadsMiddleware"


@pytest.fixture(autouse=True)
def replicas(settings):
    settings.DATABASE_REPLICAS = ["replica"]
    if MIDDLEWARE not in settings.MIDDLEWARE:
        at = settings.MIDDLEWARE.index("catalogue.middleware.PagesOnlySessionMiddleware")
        settings.MIDDLEWARE = [*settings.MIDDLEWARE[:at], MIDDLEWARE, *settings.MIDDLEWARE[at:]]
    replica_health.reset()
    # Earlier tests' rolled-back transactions can leave search-index marks in this thread, which
    # the next search writes (on the primary, rightly) before it reads: written here instead.
    from search.index import flush

    flush()
    yield
    replica_health.reset()
    connections["replica"].close()


def _counted(client, method: str, path: str, **kwargs):
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = getattr(client, method)(path, **kwargs)
    return response, len(primary), len(replica)


def test_outside_a_request_everything_is_on_the_primary():
    """Tasks, commands, the loader: no request chose a replica, so reads stay on the primary."""
    router = ReplicaRouter()
    assert db_routing.read_alias() == DEFAULT_DB_ALIAS
    assert router.db_for_read(object) == DEFAULT_DB_ALIAS
    assert router.db_for_write(object) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "products")
    assert not router.allow_migrate("replica", "products")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/themes/",
        "/api/v1/products/?page_size=5",
        "/products/",
        "/search/?q=%E7%BB%BF%E8%89%B2",
        # Finds nothing: the suggestion reads the index with raw SQL, on the replica too.
        "/search/?q=%E7%BB%BF%E8%89%B2%E7%A5%A8%E6%8D%AE%E4%BC%98%E6%83%A0%E5%88%B8",
    ],
)
def test_anonymous_reads_go_to_the_replica(client, path):
    response, primary, replica = _counted(client, "get", path)
    assert response.status_code == 200
    assert replica > 0
    assert primary == 0


@pytest.mark.parametrize("path", ["/api/v1/cases/?format=csv", "/cases/export.csv"])
def test_an_export_streams_from_the_replica(client, path):
    """The rows of an export are read while the response is sent, after the middleware returned."""
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = client.get(path)
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.count(b"\n") > 50
    assert len(replica) > 0
    assert len(primary) == 0


def test_a_write_pins_the_clients_reads_to_the_primary_for_a_while(client, settings):
    settings.DATABASE_PRIMARY_PIN_SECONDS = 10
    response, _, replica = _counted(client, "post", "/api/v1/themes/", data={})
    assert replica == 0
    pin = response.cookies[PIN_COOKIE]
    assert pin["max-age"] == 10
    assert time.time() < float(pin.value) <= time.time() + 11

    response, primary, replica = _counted(client, "get", "/api/v1/themes/")  # the client sends the cookie
    assert response.status_code == 200
    assert primary > 0 and replica == 0

    client.cookies[PIN_COOKIE] = str(time.time() - 1)  # the window has passed
    _, primary, replica = _counted(client, "get", "/api/v1/themes/")
    assert replica > 0 and primary == 0


def test_a_pin_stamp_from_far_ahead_is_not_obeyed(client):
    client.cookies[PIN_COOKIE] = str(time.time() + 86400)
    _, primary, replica = _counted(client, "get", "/api/v1/themes/")
    assert replica > 0 and primary == 0


def test_the_admin_reads_the_primary(admin_client):
    response, primary, replica = _counted(admin_client, "get", "/admin/loader/reportimport/")
    assert response.status_code == 200
    assert primary > 0 and replica == 0


def test_a_replica_that_does_not_answer_is_skipped_and_not_tried_again_at_once(client, monkeypatch, settings):
    settings.READYZ_REQUIRES_WORKER = False
    attempts = []

    def refuse():
        attempts.append(1)
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["replica"], "ensure_connection", refuse)
    for _ in range(3):
        with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary:
            response = client.get("/api/v1/themes/")
        assert response.status_code == 200
        assert len(primary) > 0
    assert len(attempts) == 1  # the failure is remembered (REPLICA_RETRY_SECONDS)
    assert replica_health.is_down("replica")

    response = client.get("/readyz")
    assert response.status_code == 200  # reads fall back to the primary: still ready
    assert response.json()["status"] == "degraded"
    assert response.json()["replicas"]["replica"] == {"status": "down", "lag_seconds": None}


def test_a_read_whose_replica_fails_under_it_is_answered_from_the_primary(client, monkeypatch):
    driver_error = connections["replica"].Database.OperationalError  # sqlite3's or psycopg's

    class Broken:
        def execute(self, *args, **kwargs):
            raise driver_error("terminating connection due to administrator command")

        executemany = execute

        def close(self):
            pass

    monkeypatch.setattr(connections["replica"], "create_cursor", lambda name=None: Broken())
    response, primary, _ = _counted(client, "get", "/api/v1/themes/")
    assert response.status_code == 200
    assert primary > 0
    assert replica_health.is_down("replica")


def test_readyz_lists_a_replica_that_answers(client, settings):
    settings.READYZ_REQUIRES_WORKER = False
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    replica = response.json()["replicas"]["replica"]
    # The test "replica" is the primary's own database: up, no lag to measure (on PostgreSQL it
    # also says it is not a standby).
    assert replica["status"] == "up" and replica["lag_seconds"] is None


def test_without_replicas_readyz_says_nothing_of_them(client, settings):
    settings.DATABASE_REPLICAS = []
    assert "replicas" not in client.get("/readyz").json()


def test_a_get_that_writes_reads_its_own_write_and_pins_the_client(rf):
    """A GET with a side effect (a confirmation link): after its write, its reads go to the
    primary (the replica has not got the row yet: here it cannot see the uncommitted test
    transaction at all), and the client is pinned as after a POST."""
    from django.contrib.auth.models import Group

    from catalogue.db_routing import ReplicaReadsMiddleware

    seen = {}

    def view(request):
        middleware.process_view(request, view, (), {})
        seen["before"] = db_routing.read_alias()
        Group.objects.create(name="confirmed-by-a-get")
        seen["found"] = Group.objects.filter(name="confirmed-by-a-get").exists()
        seen["after"] = db_routing.read_alias()
        from django.http import HttpResponse

        return HttpResponse("ok")

    middleware = ReplicaReadsMiddleware(view)
    request = rf.get("/accounts/confirm/token/")
    request.resolver_match = None
    response = middleware(request)
    assert seen == {"before": "replica", "found": True, "after": DEFAULT_DB_ALIAS}
    assert PIN_COOKIE in response.cookies
