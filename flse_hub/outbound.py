"""Connections the hub opens to other servers (the link checker, the WordPress
importer's downloads): to public addresses only, and to the very address checked.

Checking a name's addresses and then letting the HTTP library resolve it again would let
a name that answers differently the second time (DNS rebinding) reach a private or
loopback address; so the connection is made to the checked address itself, and TLS
still verifies the host name. `allow_private` exists for tests against 127.0.0.1.
"""

import http.client
import ipaddress
import socket
import urllib.request


class NotPublic(OSError):
    """The host is on a private, loopback or otherwise non-public network."""


class HostNotFound(OSError):
    """The host name does not resolve."""


def public_addresses(host, port, *, allow_private=False):
    """The addresses `host` resolves to, each checked to be public (or allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise HostNotFound(f"Host not found ({error})") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not allow_private:
        for address in addresses:
            if not ipaddress.ip_address(address.split("%")[0]).is_global:
                raise NotPublic(f"{host} is on a private or local network ({address})")
    return addresses


class PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to `host` at one address already checked."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to `host` at one address already checked; the certificate names `host`."""

    def __init__(self, host, port, address, timeout, context):
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _connect_checked(connection, allow_private):
    last_error = None
    for address in public_addresses(connection.host, connection.port, allow_private=allow_private):
        try:
            return socket.create_connection((address, connection.port), connection.timeout)
        except ConnectionRefusedError as error:
            last_error = error  # the host's next address
    raise last_error or HostNotFound(f"Host not found ({connection.host})")


class _PublicHTTPConnection(http.client.HTTPConnection):
    allow_private = False

    def connect(self):
        self.sock = _connect_checked(self, self.allow_private)


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    allow_private = False

    def connect(self):
        sock = _connect_checked(self, self.allow_private)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class PublicHTTPHandler(urllib.request.HTTPHandler):
    """urllib's http: handler, connecting only to checked public addresses (every hop
    of a redirect included, as each opens a new connection through it)."""

    def __init__(self, *, allow_private=False):
        super().__init__()
        self.connection_class = type(
            "Connection", (_PublicHTTPConnection,), {"allow_private": allow_private}
        )

    def http_open(self, req):
        return self.do_open(self.connection_class, req)


class PublicHTTPSHandler(urllib.request.HTTPSHandler):
    """urllib's https: handler, connecting only to checked public addresses."""

    def __init__(self, *, allow_private=False):
        super().__init__()
        self.connection_class = type(
            "Connection", (_PublicHTTPSConnection,), {"allow_private": allow_private}
        )

    def https_open(self, req):
        return self.do_open(self.connection_class, req, context=self._context)
