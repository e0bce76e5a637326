import os

import pytest
from django.conf import settings

from catalogue.importer import load_catalogue


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real curated catalogue once per test session; each test runs in a rolled-back
    transaction on top of it."""
    with django_db_blocker.unblock():
        load_catalogue(settings.FIXTURES_DIR)


@pytest.fixture
def seeds_dir():
    """The source documents. Outside CI a checkout without them skips provenance checks;
    in CI their absence is a failure, so provenance is never silently unchecked."""
    path = settings.SEEDS_DIR
    if not path.is_dir() or not any(path.glob("*.txt")):
        if os.environ.get("CI"):
            pytest.fail(f"source documents missing at {path}: provenance cannot be checked")
        pytest.skip(f"source documents not found at {path}")
    return path
