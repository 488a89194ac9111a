"""HTTP caching for public pages: short shared caching plus cheap revalidation."""

from functools import wraps

from django.conf import settings
from django.db.models import Subquery
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.http import condition

# Templates and code change only when the process restarts, so a deploy moves
# Last-Modified forward even if no post changed.
STARTED_AT = timezone.now().replace(microsecond=0)


def content_last_modified(request=None, *args, **kwargs):
    """When public content may last have changed: the newest publication, or edit of a post.

    One query. Edits to a topic or person alone do not move it; the content-hash ETag
    (ConditionalGetMiddleware) covers those, and clients that send If-None-Match are
    judged by it alone.
    """
    from posts.models import Post  # flse_hub is imported before the apps are ready.

    # The newer of two values each read from the end of an index, in one query (on any
    # one row: the subqueries ignore it). MAX(GREATEST(updated_at, published_at)) over
    # the published posts read every one of them: 28 ms a page on PostgreSQL at 100,000
    # posts, 290 ms on SQLite. Edits are taken from all posts, drafts too, because only
    # that is one index read on both databases; a draft's edit merely costs caches a
    # revalidation.
    newest = (
        Post.objects.order_by()
        .values_list(
            Subquery(Post.objects.published().order_by("-published_at").values("published_at")[:1]),
            Subquery(Post.objects.order_by("-updated_at").values("updated_at")[:1]),
        )
        .first()
    )
    return max(filter(None, [*(newest or ()), STARTED_AT]))


def public_page(view):
    """Let browsers and CDNs keep the page briefly and revalidate it with a 304.

    Signed-in staff (who may see previews) bypass all of it and get
    `private, no-store`; PrivateResponsesMiddleware catches pages that turn out
    personal after rendering (a CSRF token, a cookie).
    """
    conditional = condition(last_modified_func=content_last_modified)(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated:
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
            return response
        response = conditional(request, *args, **kwargs)
        patch_cache_control(
            response,
            public=True,
            max_age=settings.PUBLIC_CACHE_SECONDS,
            stale_while_revalidate=settings.PUBLIC_CACHE_STALE_SECONDS,
        )
        return response

    return wrapped
