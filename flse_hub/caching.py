"""HTTP caching for public pages: a whole-page cache that is never stale, short shared
caching for browsers and CDNs, and revalidation that never renders.

Every cache key and validator is derived from the content version (flse_hub.freshness):
the number and time of the last public write, and the newest publication time that has
arrived. A write moves the first, a scheduled post's time arriving moves the second, so
a page is never served from before either, on any server, with nothing to purge.
"""

import hashlib
from functools import wraps
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
)
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.http import condition

from flse_hub import freshness

PAGE_CACHE_ALIAS = "pages"
# Beyond these a URL is answered but not kept: a key per crafted URL would let anyone
# flood the cache and push out the pages readers ask for.
MAX_CACHED_PATH = 300
MAX_CACHED_QUERY = 200
MAX_CACHED_PARAMETERS = 4
# Response headers a kept page may vary on: Cookie only because public_page reads the
# session to see whether the visitor is staff, and a page is only kept for, and only
# served to, requests that carry no session.
HARMLESS_VARY = {"cookie", "accept-encoding"}


def _drop_future_if_modified_since(request):
    """RFC 9110 13.1.3: a date later than now is invalid and must be ignored.

    Otherwise a client sending a date far ahead would get 304s for everything, and
    ConditionalGetMiddleware (which reads the same header) would agree.
    """
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    if since is not None and since > timezone.now().timestamp():
        del request.META["HTTP_IF_MODIFIED_SINCE"]


def content_state(request):
    """(version, last_modified) for this request: read once, by whichever layer asks first."""
    state = getattr(request, "_content_state", None)
    if state is None:
        state = request._content_state = freshness.version_and_last_modified()
        # The page's templates key their cached lookups on it (flse_hub.site.identity)
        # instead of asking the database again.
        request.content_version = state[0]
    return state


def page_key(request, version, last_modified):
    """A digest naming this URL's representation at this content version, or None for a
    URL too long or with too many parameters to be worth keeping.

    Scheme and host are part of it (pages carry absolute canonical links); the query's
    parameters are sorted, so ?a=1&b=2 and ?b=2&a=1 are one page.
    """
    raw_query = request.META.get("QUERY_STRING", "")
    if len(request.path) > MAX_CACHED_PATH or len(raw_query) > MAX_CACHED_QUERY:
        return None
    parameters = parse_qsl(raw_query, keep_blank_values=True)
    if len(parameters) > MAX_CACHED_PARAMETERS:
        return None
    moment = f"{last_modified.timestamp():.6f}" if last_modified else "-"
    # Sorted by name only (a stable sort): a repeated name's values keep their order,
    # because a view reads the last one (?topic=a&topic=b is not ?topic=b&topic=a).
    name = "\n".join(
        [version, moment, request.scheme, request.get_host(), request.path,
         urlencode(sorted(parameters, key=lambda pair: pair[0]))]
    )  # fmt: skip
    return hashlib.sha256(name.encode()).hexdigest()[:32]


def page_etag(key):
    # Weak: a proxy that compresses the page changes its bytes, not what it says.
    return f'W/"{key}"'


def public_page(view=None, *, cache_seconds=None):
    """Let browsers and CDNs keep the page briefly and revalidate it with a 304, and let
    PageCacheMiddleware keep it whole for anonymous readers (for `cache_seconds`, default
    settings.PAGE_CACHE_SECONDS; no longer than the content version lasts in any case).

    Last-Modified and the ETag are the content version's (flse_hub.freshness), the same
    from every worker and server: any public change, a deletion included, moves them,
    and a revalidation is answered before the view runs. Signed-in staff (who may see
    previews) bypass all of it and get `private, no-store`; PrivateResponsesMiddleware
    catches pages that turn out personal after rendering (a CSRF token, a cookie).
    """
    if view is None:
        return lambda view: public_page(view, cache_seconds=cache_seconds)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated:
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
            return response
        _drop_future_if_modified_since(request)
        version, last_modified = content_state(request)
        key = page_key(request, version, last_modified)
        conditional = condition(
            etag_func=lambda *args, **kwargs: key and page_etag(key),
            last_modified_func=lambda *args, **kwargs: last_modified,
        )
        response = conditional(view)(request, *args, **kwargs)
        if response.status_code >= 400:
            # A refusal (400 for a bad filter, 404) is not the page: the error policy of
            # ErrorResponsesMiddleware decides how long it may be kept, and it carries
            # no validator to revalidate against.
            response.headers.pop("Last-Modified", None)
            response.headers.pop("ETag", None)
            return response
        if last_modified and request.method in ("GET", "HEAD"):
            # Replace any date the view set itself (a feed sends its newest item's), which
            # a deletion leaves unchanged and ConditionalGetMiddleware would answer 304 to.
            response.headers["Last-Modified"] = http_date(last_modified.timestamp())
        patch_cache_control(
            response,
            public=True,
            max_age=settings.PUBLIC_CACHE_SECONDS,
            stale_while_revalidate=settings.PUBLIC_CACHE_STALE_SECONDS,
        )
        if key and response.status_code == 200:
            request._page_cache = (key, cache_seconds or settings.PAGE_CACHE_SECONDS)
        return response

    return wrapped


class PageCacheMiddleware:
    """Serve anonymous readers' GET and HEAD of public pages whole from the cache.

    A kept page is found by page_key(), so it is only ever served for the content
    version it was rendered at: the lookup costs one small query (the version) and no
    rendering. Only pages public_page marked are kept, and only when the response
    turned out public after all: no cookie set, no CSRF token, no CSP nonce, nothing
    it varies on but the session, and a request that carried no session or messages.

    Listed below SecurityMiddleware (the HTTPS redirect and HSTS apply to every answer)
    and above the CSP and Permissions-Policy middleware, whose headers are kept with it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.skipped_prefixes = tuple(
            prefix
            for prefix in (settings.STATIC_URL, settings.MEDIA_URL, "/" + settings.ADMIN_PATH)
            if prefix and prefix.startswith("/")
        )
        self.private_cookies = {settings.SESSION_COOKIE_NAME, "messages"}

    def __call__(self, request):
        if not self._may_answer_from_cache(request):
            return self.get_response(request)
        _drop_future_if_modified_since(request)
        try:
            version, last_modified = content_state(request)
            key = page_key(request, version, last_modified)
        except (DatabaseError, DisallowedHost):
            # Let the request meet the outage (a 503) or the bad Host header (a 400) in the
            # layers below, which answer it with every header, not up here above the CSP.
            return self.get_response(request)
        pages = caches[PAGE_CACHE_ALIAS]
        if key is not None and (kept := pages.get(key)) is not None:
            request.answered_from_page_cache = True  # for tests and the benchmark
            return self._kept_response(request, kept, last_modified)
        response = self.get_response(request)
        stored = getattr(request, "_page_cache", None)
        if stored and stored[0] == key and self._may_keep(request, response):
            headers = list(response.items())
            pages.set(key, (response.status_code, headers, response.content), stored[1])
        return response

    def _may_answer_from_cache(self, request):
        return (
            request.method in ("GET", "HEAD")
            and settings.PAGE_CACHE_SECONDS > 0
            and not request.path.startswith(self.skipped_prefixes)
            and not self.private_cookies.intersection(request.COOKIES)
            and "HTTP_AUTHORIZATION" not in request.META
        )

    @staticmethod
    def _may_keep(request, response):
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return False
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return False
        if "public" not in response.get("Cache-Control", ""):
            return False
        vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
        if not vary <= HARMLESS_VARY:
            return False
        return "'nonce-" not in response.get("Content-Security-Policy", "")

    @staticmethod
    def _kept_response(request, kept, last_modified):
        status, headers, content = kept
        response = HttpResponse(content, status=status, headers=headers)
        # Django's own rules for If-None-Match / If-Modified-Since (and If-Match), as the
        # view's condition() applies them when the page is rendered.
        return get_conditional_response(
            request,
            etag=response.get("ETag"),
            last_modified=int(last_modified.timestamp()) if last_modified else None,
            response=response,
        )
