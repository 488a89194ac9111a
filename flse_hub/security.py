"""Helpers for the sign-in lock-out."""

from django.conf import settings


def client_ip(request):
    """The visitor's address for django-axes.

    Directly served, it is REMOTE_ADDR. Behind our TLS proxy
    (DJANGO_BEHIND_TLS_PROXY) REMOTE_ADDR is the proxy, so take the last
    X-Forwarded-For entry: the one the proxy itself appended, which a client
    cannot forge (entries to its left can be).
    """
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if hops := [hop.strip() for hop in forwarded.split(",") if hop.strip()]:
            return hops[-1]
    return request.META.get("REMOTE_ADDR")
