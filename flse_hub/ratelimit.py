"""Fixed-window rate limits kept in Django's cache (shared through Redis when
several app servers run; see CACHE_URL)."""

import time

from django.core.cache import cache


def allow(scope, key, limit):
    """Count one event for (scope, key); False once `limit` = (count, seconds) is exceeded."""
    count, seconds = limit
    window = int(time.time() // seconds)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    # add() is a no-op if the key exists, so concurrent first hits do not reset it.
    cache.add(cache_key, 0, timeout=seconds + 1)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, timeout=seconds + 1)
        used = 1
    return used <= count
