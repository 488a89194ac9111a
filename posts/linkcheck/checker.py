"""Fetching one address the way a polite crawler does, on the standard library only.

HEAD first, GET when HEAD is refused or fails; redirects followed one hop at a time and
recorded; retries with a doubling back-off for 429, 5xx and network failures; one
request at a time per host, spaced by `host_interval`; a timeout on every socket
operation and a deadline on the whole fetch; at most `max_bytes` of any body read.

Server-side request forgery: every hop's host is resolved here and the connection
made to the checked address itself (TLS still verifies the host name), so a name
that resolves to a private or loopback address, or is re-pointed between the check
and the connection, is never reached unless `allow_private` (tests only) says so.
"""

import http.client
import socket
import ssl
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urljoin, urlsplit

from flse_hub.outbound import (
    HostNotFound,
    NotPublic,
    PinnedHTTPConnection,
    PinnedHTTPSConnection,
    public_addresses,
)

RETRY_STATUSES = {429, 500, 502, 503, 504}
BLOCKED_STATUSES = {401, 403, 429}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}

OK, BROKEN, BLOCKED, SKIPPED = "ok", "broken", "blocked", "skipped"  # Link.Status values


class NotAllowed(Exception):
    """An address the checker must not fetch (scheme, private network)."""


class FetchFailed(Exception):
    """No HTTP answer: DNS, refused connection, TLS, timeout."""


@dataclass
class Result:
    status: str
    status_code: int | None = None
    final_url: str = ""
    redirects: list = field(default_factory=list)  # [[status, location], …]
    error: str = ""
    attempts: int = 0


class Checker:
    def __init__(
        self,
        *,
        user_agent,
        timeout=10.0,
        retries=2,
        backoff=2.0,
        max_backoff=60.0,
        host_interval=1.0,
        max_redirects=10,
        max_bytes=64 * 1024,
        allow_private=False,
        max_seconds=120.0,
        clock=time.monotonic,
        sleep=time.sleep,
    ):
        self.user_agent = user_agent
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.host_interval = host_interval
        self.max_redirects = max_redirects
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        # One address, retries and redirects included: a tarpit must not hold a run for
        # longer than its lease (LINKCHECK_LEASE), when a second run would start beside it.
        self.max_seconds = max_seconds
        self._gives_up_at = None
        self.clock = clock
        self.sleep = sleep
        self._next_turn = {}  # host -> the clock time of its next allowed request
        self._ssl_context = ssl.create_default_context()

    # --- one address, redirects and all ---------------------------------------------

    def check(self, url, *, follow_redirects=True):
        """A Result for `url`. With follow_redirects=False a redirect is the answer (a DOI
        resolver's redirect says the DOI exists; the publisher's site is not asked)."""
        result = Result(status=BROKEN)
        self._gives_up_at = self.clock() + self.max_seconds
        current, seen = url, {url}
        for _hop in range(self.max_redirects + 1):
            try:
                code, location = self._fetch(current, result)
            except NotAllowed as error:
                return self._finish(result, SKIPPED, current, error=str(error))
            except FetchFailed as error:
                return self._finish(result, BROKEN, current, error=str(error))
            result.status_code = code
            if code in REDIRECT_STATUSES and location:
                target = urljoin(current, location)
                result.redirects.append([code, target])
                if not follow_redirects:
                    return self._finish(result, OK, target)
                if target in seen:
                    return self._finish(result, BROKEN, target, error="Redirect loop")
                seen.add(target)
                current = target
                continue
            if 200 <= code < 400:
                return self._finish(result, OK, current)
            if code in BLOCKED_STATUSES:
                return self._finish(result, BLOCKED, current, error=f"HTTP {code}")
            return self._finish(result, BROKEN, current, error=f"HTTP {code}")
        return self._finish(
            result, BROKEN, current, error=f"More than {self.max_redirects} redirects"
        )

    @staticmethod
    def _finish(result, status, final_url, *, error=""):
        result.status, result.final_url, result.error = status, final_url, error[:500]
        return result

    def _fetch(self, url, result):
        """(status, Location) for `url`: HEAD, then GET if HEAD is refused or fails."""
        code, location = self._with_retries("HEAD", url, result)
        if code >= 400:
            # 405/501 and servers that answer HEAD wrongly (403, 404): ask as a browser does.
            code, location = self._with_retries("GET", url, result)
        return code, location

    def _with_retries(self, method, url, result):
        for attempt in range(self.retries + 1):
            if self._gives_up_at is not None and self.clock() >= self._gives_up_at:
                raise FetchFailed(f"Gave up after {self.max_seconds:g} s")
            result.attempts += 1
            try:
                code, location, retry_after = self._request(method, url)
            except FetchFailed:
                if attempt == self.retries:
                    raise
                self.sleep(self._delay(attempt))
                continue
            if code not in RETRY_STATUSES or attempt == self.retries:
                return code, location
            self.sleep(self._delay(attempt, retry_after))
        raise AssertionError("unreachable")

    def _delay(self, attempt, retry_after=None):
        delay = self.backoff * 2**attempt
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, self.max_backoff)

    # --- one request --------------------------------------------------------------

    def _request(self, method, url):
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise NotAllowed(f"Not a web address ({scheme or 'no'} scheme)")
        try:
            host = parts.hostname.encode("idna").decode("ascii") if parts.hostname else ""
            port = parts.port or (443 if scheme == "https" else 80)
        except (UnicodeError, ValueError) as error:
            raise NotAllowed(f"Not a valid address ({error})") from None
        if not host:
            raise NotAllowed("No host name")
        addresses = self._addresses(host, port)
        turn = f"{host}:{port}"
        self._wait_turn(turn)
        try:
            return self._send(method, scheme, host, port, addresses, parts)
        finally:
            # The interval runs from the end of this request, however long it took.
            self._next_turn[turn] = self.clock() + self.host_interval

    def _send(self, method, scheme, host, port, addresses, parts):
        target = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
        if parts.query:
            target += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
        deadline = self.clock() + self.timeout * 3
        last_error = None
        for address in addresses:
            if scheme == "https":
                connection = PinnedHTTPSConnection(
                    host, port, address, self.timeout, self._ssl_context
                )
            else:
                connection = PinnedHTTPConnection(host, port, address, self.timeout)
            try:
                connection.request(
                    method,
                    target,
                    headers={
                        "User-Agent": self.user_agent,
                        "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
                        "Connection": "close",
                    },
                )
                response = connection.getresponse()
                if method == "GET":
                    self._read_some(response, deadline)
                return (
                    response.status,
                    response.getheader("Location"),
                    _retry_after(response.getheader("Retry-After")),
                )
            except ConnectionRefusedError as error:
                last_error = error  # try the host's next address
            except (OSError, http.client.HTTPException) as error:
                raise FetchFailed(_describe(error)) from None
            finally:
                connection.close()
        raise FetchFailed(_describe(last_error))

    def _read_some(self, response, deadline):
        """Read at most max_bytes, and stop at the deadline: enough to know the server
        answered; a huge or endless body costs nothing more."""
        remaining = self.max_bytes
        while remaining > 0 and self.clock() < deadline:
            chunk = response.read1(min(remaining, 16 * 1024))
            if not chunk:
                break
            remaining -= len(chunk)

    def _addresses(self, host, port):
        try:
            return public_addresses(host, port, allow_private=self.allow_private)
        except HostNotFound as error:
            raise FetchFailed(str(error)) from None
        except NotPublic as error:
            raise NotAllowed(str(error)) from None

    def _wait_turn(self, host):
        wait = self._next_turn.get(host, 0) - self.clock()
        if wait > 0:
            self.sleep(wait)


def _retry_after(value):
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _describe(error):
    if isinstance(error, (TimeoutError, socket.timeout)):
        return "Timed out"
    if isinstance(error, ConnectionRefusedError):
        return "Connection refused"
    if isinstance(error, ssl.SSLError):
        return f"TLS error ({error.reason or error})"
    return f"{type(error).__name__}: {error}".strip(": ")
