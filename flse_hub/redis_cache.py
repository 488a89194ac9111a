"""Django's Redis cache backend, made so that a Redis outage costs speed, not the site.

With CACHE_URL=redis://… every public page reads Redis (the page cache, the archive
figures, the site identity) and Django's RedisCache turns a refused or silent Redis into
an exception, so every page would be a 500. Here a lost Redis is a cache that keeps
nothing: reads miss, writes are dropped, pages render as without a cache. After a failure
this process leaves Redis alone for RETRY_SECONDS, so a Redis that does not answer at all
costs one connect timeout per process per interval, not one per cache call.

Counting is the exception: rate limits (flse_hub.ratelimit) cannot count without the
store, and neither letting everyone through nor refusing everyone as "too many" is true,
so incr() raises CacheUnavailable, which flse_hub.middleware answers with a 503.
"""

import functools
import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError)

# LOCATION -> monotonic time before which Redis is not tried (every alias on one server
# shares it, so one failure spares the pages, archive and default caches alike).
_unavailable_until = {}
_lock = threading.Lock()


class CacheUnavailable(Exception):
    """The shared cache cannot be reached, so a rate limit cannot be counted."""


def _tolerant(operation, outage_result):
    """A cache method that answers `outage_result` (a miss, or "not stored") when Redis
    cannot be reached, or was not reachable a moment ago."""

    def decorate(method):
        @functools.wraps(method)
        def wrapped(self, *args, **kwargs):
            if self.unavailable():
                return outage_result
            try:
                return method(self, *args, **kwargs)
            except OUTAGE_ERRORS as error:
                self.failed(operation, error)
                return outage_result

        return wrapped

    return decorate


class OutageTolerantRedisCache(RedisCache):
    """CACHE_URL=redis://… (flse_hub.env.caches_from_url)."""

    def unavailable(self):
        return time.monotonic() < _unavailable_until.get(self._location_key, 0)

    @property
    def _location_key(self):
        return ",".join(self._servers)

    def failed(self, operation, error):
        with _lock:
            first = not self.unavailable()
            _unavailable_until[self._location_key] = time.monotonic() + RETRY_SECONDS
        if first:
            logger.warning(
                "Redis cache unavailable (%s in %s: %s); caching off for %s s",
                type(error).__name__, operation, error, RETRY_SECONDS,
            )  # fmt: skip

    def get(self, key, default=None, version=None):
        if self.unavailable():
            return default
        try:
            return super().get(key, default, version)
        except OUTAGE_ERRORS as error:
            self.failed("get", error)
            return default

    @_tolerant("add", False)
    def add(self, *args, **kwargs):
        return super().add(*args, **kwargs)

    @_tolerant("set", None)
    def set(self, *args, **kwargs):
        return super().set(*args, **kwargs)

    @_tolerant("touch", False)
    def touch(self, *args, **kwargs):
        return super().touch(*args, **kwargs)

    @_tolerant("delete", False)
    def delete(self, *args, **kwargs):
        return super().delete(*args, **kwargs)

    @_tolerant("get_many", {})
    def get_many(self, *args, **kwargs):
        return super().get_many(*args, **kwargs)

    @_tolerant("has_key", False)
    def has_key(self, *args, **kwargs):
        return super().has_key(*args, **kwargs)

    @_tolerant("set_many", [])
    def set_many(self, *args, **kwargs):
        return super().set_many(*args, **kwargs)

    @_tolerant("delete_many", None)
    def delete_many(self, *args, **kwargs):
        return super().delete_many(*args, **kwargs)

    def incr(self, key, delta=1, version=None):
        if self.unavailable():
            raise CacheUnavailable("the shared cache is unavailable")
        try:
            return super().incr(key, delta, version)
        except OUTAGE_ERRORS as error:
            self.failed("incr", error)
            raise CacheUnavailable(str(error)) from error
