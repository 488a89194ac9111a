"""Old addresses of posts: /posts/<former slug>/… answers 301 to the post's address now.

Asked only for requests that found nothing (flse_hub.site.redirects calls the finders
named in settings.NOT_FOUND_REDIRECT_FINDERS on 404s), so a page that exists pays nothing.
"""

import re

from django.urls import reverse

from posts.models import Post

# Every address under a post's own, page and citations alike, follows the post.
_UNDER_A_POST = re.compile(r"(?P<slug>[-a-zA-Z0-9_]+)/(?P<rest>.*)\Z", re.DOTALL)


def post_prefix():
    """The path posts live under ("/posts/" unless the URLconf says otherwise)."""
    return reverse("posts:detail", kwargs={"slug": "x"})[: -len("x/")]


def current_path(path):
    """The address `path` (a path under a post, by any former slug) has now, or None."""
    prefix = post_prefix()
    if not path.startswith(prefix):
        return None
    match = _UNDER_A_POST.match(path, len(prefix))
    if match is None:
        return None
    post = Post.objects.published().filter(former_slugs__slug=match["slug"]).only("slug").first()
    if post is None:
        return None
    return post.get_absolute_url() + match["rest"]


def redirect_for(request):
    """(address, permanent) for a request to a former address of a published post, or None."""
    path = current_path(request.path)
    if path is None:
        return None
    query = request.META.get("QUERY_STRING", "")
    return (f"{path}?{query}" if query else path), True
