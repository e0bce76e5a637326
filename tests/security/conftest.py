"""The API fixtures (clients, keys, a fresh throttle) shared with tests/api."""

from tests.api.conftest import api, fresh_throttle, partner, submit_key  # noqa: F401
