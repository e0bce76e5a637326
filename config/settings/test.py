"""Test settings: everything from base (so DATABASE_URL still picks PostgreSQL), plus speed."""

import os

# Tests run in production mode (DEBUG off, as Django's test runner forces anyway): give them a key,
# and plain HTTP so the test client is not redirected.
os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret-" + "x" * 40)
os.environ.setdefault("HTTPS", "0")

from .base import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "imports": STORAGES["imports"],  # noqa: F405
}

# A file, not memory, for SQLite test databases: the browser tests' server thread opens its own
# connection and must see the catalogue the session loaded.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # Named per process so two test runs on one machine do not share (and lock) one file.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".pytest-db-{os.getpid()}.sqlite3")}  # noqa: F405

# Page rate limits and admin lockouts are tested explicitly; elsewhere a test client is one busy user.
PAGE_RATE = "100000/min"
# No collectstatic before tests: serve static files from the finders, as in development.
WHITENOISE_USE_FINDERS = True

# The routing tests' replica: the primary's test database under a second alias, unused until a
# test lists it in DATABASE_REPLICAS (tests/catalogue/test_db_routing.py).
if "replica" not in DATABASES:  # noqa: F405
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
