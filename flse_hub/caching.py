"""HTTP caching for public pages: short shared caching plus cheap revalidation."""

from functools import wraps

from django.conf import settings
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.http import condition

from flse_hub import freshness


def _drop_future_if_modified_since(request):
    """RFC 9110 13.1.3: a date later than now is invalid and must be ignored.

    Otherwise a client sending a date far ahead would get 304s for everything, and
    ConditionalGetMiddleware (which reads the same header) would agree.
    """
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    if since is not None and since > timezone.now().timestamp():
        del request.META["HTTP_IF_MODIFIED_SINCE"]


def public_page(view):
    """Let browsers and CDNs keep the page briefly and revalidate it with a 304.

    Last-Modified is the site's (flse_hub.freshness), the same for every page and
    every server: any public change, a deletion included, moves it. Signed-in
    staff (who may see previews) bypass all of it and get `private, no-store`;
    PrivateResponsesMiddleware catches pages that turn out personal after
    rendering (a CSRF token, a cookie).
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated:
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
            return response
        _drop_future_if_modified_since(request)
        version, last_modified = freshness.version_and_last_modified()
        # The page's templates key their cached lookups on it (flse_hub.site.identity)
        # instead of asking the database again.
        request.content_version = version
        conditional = condition(last_modified_func=lambda *args, **kwargs: last_modified)
        response = conditional(view)(request, *args, **kwargs)
        if response.status_code >= 400:
            # A refusal (400 for a bad filter, 404) is not the page: the error policy of
            # ErrorResponsesMiddleware decides how long it may be kept, and it carries
            # no date to revalidate against.
            response.headers.pop("Last-Modified", None)
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
        return response

    return wrapped
