"""Fixed-window rate limits kept in Django's cache (shared through Redis when
several app servers run; see CACHE_URL)."""

import time

from django.conf import settings
from django.core.cache import cache


def client_ip(request):
    """The client's IP: REMOTE_ADDR, or the address our own proxies saw.

    X-Forwarded-For is only trusted for as many hops as DJANGO_TRUSTED_PROXY_COUNT
    says, counted from the right: entries further left are written by the client.
    """
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


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
