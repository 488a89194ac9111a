"""Response middleware the framework does not provide itself: policy headers, and
error responses (a 503 for a database outage, Cache-Control on every error)."""

import logging
import sqlite3

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import split_directive_names

from flse_hub.redis_cache import CacheUnavailable


class PermissionsPolicyMiddleware:
    """Send Permissions-Policy (settings.PERMISSIONS_POLICY) on every response.

    The hub never needs a camera, microphone, location or payment, so a page
    (or anything injected into one) is refused them outright.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allow)})"
            for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class PrivateResponsesMiddleware:
    """Never let a shared cache keep a page meant for one person.

    Views mark public pages cacheable (flse_hub.caching.public_page). That is
    overridden here when the response turned out to be personal after all: the
    visitor is signed in, the page carries a CSRF token (a form), or it sets a
    cookie. Listed above SessionMiddleware so it sees the session cookie too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "public" in split_directive_names(response.get("Cache-Control", "")) and (
            self._is_personal(request, response)
        ):
            del response.headers["Cache-Control"]
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
            # A private page must not be revalidated against the public copy.
            response.headers.pop("Last-Modified", None)
            response.headers.pop("ETag", None)
        return response

    @staticmethod
    def _is_personal(request, response):
        user = getattr(request, "user", None)
        return bool(
            (user is not None and user.is_authenticated)
            or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            or response.cookies
        )


# How long a shared cache may keep a 404. Long enough to take scanners' and link
# checkers' repeats off the database, short enough that a post published at an
# address that was a 404 appears well within the 5 minutes a list page is kept.
NOT_FOUND_CACHE_SECONDS = 60
# How long a reader is asked to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 30

logger = logging.getLogger(__name__)

# SQLite result codes that mean the file cannot be used right now (busy, locked,
# unreadable, disk full), not that the SQL is wrong: SQLITE_ERROR, which covers a
# missing table or a syntax error, is a bug and stays a 500.
_SQLITE_UNAVAILABLE = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_NOMEM,
    sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_PROTOCOL,
}
# PostgreSQL SQLSTATE classes of the same kind: connection exception, insufficient
# resources (too many connections), operator intervention (shutting down, statement
# timeout), system error, and transaction rollback (a serialisation failure, which
# succeeds when tried again). A lost connection has no SQLSTATE at all.
_POSTGRES_UNAVAILABLE = {"08", "40", "53", "57", "58"}


def database_unavailable(exc):
    """True when `exc` (or what it was raised from) says the database cannot be reached.

    OperationalError and InterfaceError are the driver's "connection refused",
    "connection already closed", "database is locked" and the like.
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, InterfaceError):
            return True
        if isinstance(exc, OperationalError):
            return _driver_says_unavailable(exc.__cause__)
        exc = exc.__cause__ or exc.__context__
    return False


def _driver_says_unavailable(cause):
    if isinstance(cause, sqlite3.Error):
        code = getattr(cause, "sqlite_errorcode", None)
        return code is None or (code & 0xFF) in _SQLITE_UNAVAILABLE
    state = getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)
    if state:
        return state[:2] in _POSTGRES_UNAVAILABLE
    # No code: a lost or refused connection, or a driver we do not know.
    return True


def service_unavailable():
    """503 with the friendly page, which needs no database, no request and no context."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class ErrorResponsesMiddleware:
    """A database outage is a 503 the reader can wait out; every error response says
    how long it may be cached.

    Django's own handling makes any exception a 500 that no one may retry and that
    carries no Cache-Control. Listed below PrivateResponsesMiddleware, so a 404 made
    public here is still made private for signed-in staff. The site recovers by
    itself: Django closes a connection that errored at the end of the request and
    opens a new one on the next.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code >= 400 and not response.has_header("Cache-Control"):
            if response.status_code == 404 and request.method in ("GET", "HEAD"):
                # The same for everyone, and nothing to hide: no more than a public page.
                patch_cache_control(response, public=True, max_age=NOT_FOUND_CACHE_SECONDS)
            else:
                # 400s echo what was sent, 403s and 410s answer one visitor's request or
                # link, 5xx are passing states: none should outlive the request.
                add_never_cache_headers(response)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, CacheUnavailable):
            # A rate limit that cannot be counted (Redis is down): wait, like an outage.
            logger.error("Shared cache unavailable; answered %s %r with 503",
                         request.method, request.path)  # fmt: skip
            return service_unavailable()
        if not database_unavailable(exception):
            return None
        message = str(exception).strip()
        logger.error(
            # %r: the path is the client's and may hold line breaks.
            "Database unavailable (%s: %s); answered %s %r with 503",
            type(exception).__name__,
            message.splitlines()[0] if message else "",
            request.method,
            request.path,
        )
        return service_unavailable()
