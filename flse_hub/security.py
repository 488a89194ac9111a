"""The client's address, for rate limits and the sign-in lock-out."""

from django.conf import settings


def client_ip(request):
    """REMOTE_ADDR, or the address our own proxies saw.

    X-Forwarded-For is trusted for as many hops as DJANGO_TRUSTED_PROXY_COUNT
    says, counted from the right: the entries our proxies appended. Entries
    further left are written by the client and can be forged.
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
