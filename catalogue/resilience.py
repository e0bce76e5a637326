"""Keep serving when Redis is down.

The page cache (facet counts) uses django-redis with IGNORE_EXCEPTIONS: a lost Redis is a cache
miss, logged by django-redis under this module's logger. Throttle counters must keep counting,
though, or an outage would lift every rate limit: `throttle_cache` reads and writes the shared
Redis (one count for all workers) and, while it cannot be reached, this process's memory.

Database outages are answered with 503 (catalogue.errors); `database_outage` keeps their logging
to one traceback per outage and a line per failed request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.core.cache import caches
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest

log = logging.getLogger(__name__)

# Seconds a client should wait before retrying while the database is unreachable (the pages'
# and the API's 503 both send it as Retry-After).
RETRY_AFTER = 10


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc` means the database cannot be reached (down, restarting, connection lost)."""
    return isinstance(exc, (OperationalError, InterfaceError))


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
        self._script: Any = None  # the window script, registered on first use

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

    def window(
        self, key: str, now: float, duration: float, limit: int, reads: Sequence[str] = ()
    ) -> tuple[bool, int, float, dict[str, Any]] | None:
        """One request against a sliding window of `limit` per `duration` seconds, in one Redis
        round trip (a script) where get-then-set took two; the same trip reads the cache keys
        `reads` (a list's kept count), so a request pays one round trip to Redis, not two.
        Returns (allowed, requests in the window, the oldest one's time, {read key: value or
        None}), or None when the shared cache is not Redis or cannot be reached: the caller then
        counts with get/set, which land in this process's memory."""
        if time.monotonic() < self.down_until:
            return None
        client = self._shared()
        if not hasattr(client, "get_client"):
            return None
        try:
            redis = client.get_client(write=True)
            if self._script is None:
                self._script = redis.register_script(_WINDOW_SCRIPT)
            # Its own key: the get/set path stores a pickled list under `key`.
            keys = [client.make_key(f"{key}:window"), *(client.make_key(k) for k in reads)]
            allowed, count, oldest, *values = self._script(
                keys=keys, args=[repr(now), repr(duration), limit], client=redis
            )
            found = {k: None if v is None else client.decode(v) for k, v in zip(reads, values, strict=True)}
        except _redis_errors() as exc:
            self.down_until = time.monotonic() + RETRY_SECONDS
            log.warning("shared cache unreachable, counting in this process: %s", exc)
            return None
        return bool(allowed), int(count), float(oldest), found


# DRF's SimpleRateThrottle as a Redis list, newest first: drop the entries older than the window,
# refuse when `limit` remain, else push `now` and keep the list as long as the window. Returns
# {allowed, count, oldest}; numbers go back as strings (Redis truncates Lua numbers to integers),
# and an empty window (a rate of 0) gives `now` as its oldest, as DRF's wait() assumes. The other
# KEYS are read as they are (a missing one is a nil, which keeps its place in the reply).
_WINDOW_SCRIPT = """
local key, now, span, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
while true do
  local last = redis.call('LINDEX', key, -1)
  if not last or tonumber(last) > now - span then break end
  redis.call('RPOP', key)
end
local count = redis.call('LLEN', key)
local out
if count >= limit then
  out = {0, count, redis.call('LINDEX', key, -1) or ARGV[1]}
else
  redis.call('LPUSH', key, ARGV[1])
  redis.call('PEXPIRE', key, math.ceil(span * 1000))
  out = {1, count + 1, redis.call('LINDEX', key, -1)}
end
for i = 2, #KEYS do
  out[#out + 1] = redis.call('GET', KEYS[i])
end
return out
"""


class OneTripThrottle:
    """For a DRF SimpleRateThrottle whose `cache` is a FallbackCache: the same sliding window and
    Retry-After, counted in one Redis round trip instead of a get and a set. A view with
    `cache_reads(request)` (cache keys it will read) gets their values in the same trip, as
    `view.cache_read` ({key: value or None})."""

    cache: FallbackCache
    _window: tuple[int, float] | None = None

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:  # type: ignore[attr-defined]
            return True
        key = self.get_cache_key(request, view)  # type: ignore[attr-defined]
        if key is None:
            return True
        now = self.timer()  # type: ignore[attr-defined]
        # What the view will read from the cache anyway (a list's kept count), read in this trip.
        reads = getattr(view, "cache_reads", None)
        wanted = reads(request) if reads is not None else ()
        hit = self.cache.window(key, now, self.duration, self.num_requests, wanted)  # type: ignore[attr-defined]
        if hit is None:  # not Redis, or Redis down: DRF's own get/set on the fallback
            self._window = None
            return super().allow_request(request, view)  # type: ignore[misc]
        allowed, count, oldest, found = hit
        if found:
            view.cache_read = found
        self.key, self.now, self._window = key, now, (count, oldest)
        return allowed

    def wait(self) -> float | None:
        if self._window is None:
            return super().wait()  # type: ignore[misc]
        # DRF's formula, from the window's size and oldest entry instead of the whole history.
        count, oldest = self._window
        remaining = self.duration - (self.now - oldest)  # type: ignore[attr-defined]
        available = self.num_requests - count + 1  # type: ignore[attr-defined]
        return None if available <= 0 else remaining / available


throttle_cache = FallbackCache()


# --- Database outages -----------------------------------------------------------------------------
# While the database is down every request fails the same way: a traceback each (13 MB in 35 s)
# says nothing the first did not. The first failure of an outage is logged with its traceback,
# each later one as one line (with its request id, like every line), and the end of the outage
# with how long it lasted and how many requests were answered 503 meanwhile.
outage_log = logging.getLogger("catalogue.outage")


def _summary(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0] if first else ''}"[:300]


class DatabaseOutage:
    """This process's view of a database outage: from the first failed request to the first
    query that succeeds again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.since: float | None = None
        self.failures = 0

    @property
    def ongoing(self) -> bool:
        return self.since is not None

    def failed(self, request: HttpRequest | None, exc: BaseException | None) -> None:
        """Note one request answered 503 because the database could not be reached."""
        method, path = (request.method, request.path) if request is not None else ("-", "-")
        with self._lock:
            first = self.since is None
            if first:
                self.since = time.monotonic()
                self.failures = 0
            self.failures += 1
        if first:
            outage_log.error(
                "database unreachable: answering 503 until it is back (first failure: %s %s)",
                method,
                path,
                exc_info=exc,
            )
        else:
            outage_log.warning("database unavailable: 503 for %s %s (%s)", method, path, _summary(exc))

    def recovered(self) -> None:
        """A query succeeded: the outage (if any) is over."""
        with self._lock:
            if self.since is None:
                return
            lasted, failures = time.monotonic() - self.since, self.failures
            self.since, self.failures = None, 0
        outage_log.warning(
            "database reachable again after %.1f s; %d requests were answered 503 meanwhile", lasted, failures
        )

    def watch(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        """A database execute wrapper: the first query that succeeds during an outage ends it."""
        result = execute(sql, params, many, context)
        self.recovered()
        return result


database_outage = DatabaseOutage()


class OneTracebackPerMinute(logging.Filter):
    """For django-redis' "Exception ignored" records while Redis is down (one per cache call,
    each with a traceback): the first in a minute keeps its traceback, the others become one line
    naming the error."""

    def __init__(self, seconds: float = 60.0) -> None:
        super().__init__()
        self.seconds = seconds
        self.last = float("-inf")
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info:
            return True
        with self._lock:
            now = time.monotonic()
            if now - self.last >= self.seconds:
                self.last = now
                return True
        exc = record.exc_info[1]
        record.msg, record.args = (
            "%s (%s; traceback logged at most once a minute)",
            (record.getMessage(), _summary(exc)),
        )
        record.exc_info, record.exc_text = None, None
        return True
