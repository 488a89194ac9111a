"""Who the client is: forwarded headers believed only from our own proxies.

A reverse proxy tells the app the client's address (X-Forwarded-For) and
whether it spoke https (X-Forwarded-Proto). Anyone who reaches gunicorn
directly can send the same headers, so they count only when the connection
comes from an address in settings.TRUSTED_PROXIES (or a unix socket, when
settings.TRUSTED_PROXY_UNIX_SOCKET says a proxy listens there).
"""

import ipaddress

from django.conf import settings

FORWARDED_PREFIXES = ("HTTP_X_FORWARDED_", "HTTP_FORWARDED")


def _address(text):
    """An IP address from a header entry or REMOTE_ADDR, or None if it is not one."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
    return getattr(address, "ipv4_mapped", None) or address


def _is_trusted(address):
    return any(address in network for network in settings.TRUSTED_PROXIES)


def peer_is_trusted_proxy(request):
    """Whether the connection itself comes from one of our proxies."""
    peer = request.META.get("REMOTE_ADDR", "")
    if not peer:
        # gunicorn leaves REMOTE_ADDR empty for a unix-socket peer: only
        # processes on this machine allowed to open the socket get here.
        return settings.TRUSTED_PROXY_UNIX_SOCKET
    address = _address(peer)
    return address is not None and _is_trusted(address)


def client_address(request):
    """The client's address (rate limits and the sign-in lock-out use client_ip()).

    REMOTE_ADDR, unless the peer is a trusted proxy: then X-Forwarded-For is
    read from the right, each proxy having appended the address it saw, past
    our own proxies to the first address that is not one. Entries further left
    were written by the client and are never read. A malformed entry stops the
    walk at the last trusted hop, so garbage cannot name a client.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    if not peer_is_trusted_proxy(request):
        return peer
    client = peer
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(entry)
        if address is None:
            break
        client = str(address)
        if not _is_trusted(address):
            break
    return client


# One IPv6 subscriber is given a /64 (often more) and picks addresses in it at will:
# counted per address, one client was 2**64 clients to a limit or the lock-out.
IPV6_CLIENT_PREFIX = 64


def client_ip(request):
    """Who the client is, for rate limits and the sign-in lock-out (AXES_CLIENT_IP_CALLABLE):
    its IPv4 address, or the /64 network of its IPv6 address, written as an address
    (e.g. "2001:db8::") so it still fits django-axes' GenericIPAddressField. An
    IPv4-mapped IPv6 address is IPv4."""
    text = client_address(request)
    address = _address(text)
    if address is None:  # "" for an untrusted unix-socket peer: kept as it is
        return text
    if address.version == 6:
        return str(ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False)[0])
    return str(address)


class ForwardedHeadersMiddleware:
    """Remove X-Forwarded-* (and Forwarded) from requests not sent by a trusted proxy.

    First in MIDDLEWARE, so that nothing after it (SECURE_PROXY_SSL_HEADER in
    request.is_secure(), the HTTPS redirect, CSRF's origin check, any library
    reading the headers itself) can be fooled by a client that reached
    gunicorn directly.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not peer_is_trusted_proxy(request):
            for key in [key for key in request.META if key.startswith(FORWARDED_PREFIXES)]:
                del request.META[key]
        return self.get_response(request)
