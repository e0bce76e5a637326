"""Keep serving when Redis is down.

The page cache (facet counts) uses django-redis with IGNORE_EXCEPTIONS: a lost Redis is a cache
miss, logged by django-redis under this module's logger. Throttle counters must keep counting,
though, or an outage would lift every rate limit: `throttle_cache` reads and writes the shared
Redis (one count for all workers) and, while it cannot be reached, this process's memory.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache import caches

log = logging.getLogger(__name__)

# After a failure, skip Redis for this long instead of paying a timeout on every request.
RETRY_SECONDS = 5.0


def _redis_errors() -> tuple[type[BaseException], ...]:
    from django_redis.exceptions import ConnectionInterrupted
    from redis.exceptions import ConnectionError, TimeoutError

    return (ConnectionInterrupted, ConnectionError, TimeoutError, OSError)


class FallbackCache:
    """get/set on the shared cache, on the process-local one while the shared one fails."""

    def __init__(self, shared: str = "default", local: str = "local") -> None:
        self.shared_alias, self.local_alias = shared, local
        self.down_until = 0.0

    def _shared(self) -> Any:
        cache = caches[self.shared_alias]
        client = getattr(cache, "client", None)
        if client is None:  # not django-redis: nothing to fall back from
            return cache
        return client  # django-redis' client raises, where the cache object would swallow errors

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() >= self.down_until:
            try:
                return getattr(self._shared(), method)(*args, **kwargs)
            except _redis_errors() as exc:
                self.down_until = time.monotonic() + RETRY_SECONDS
                log.warning("shared cache unreachable, counting in this process: %s", exc)
        return getattr(caches[self.local_alias], method)(*args, **kwargs)

    def get(self, key: str, default: Any = None) -> Any:
        return self._call("get", key, default)

    def set(self, key: str, value: Any, timeout: float | None = None) -> Any:
        return self._call("set", key, value, timeout)


throttle_cache = FallbackCache()
