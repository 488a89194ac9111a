"""Posts offered to the newsletter (wired in by settings.NEWSLETTER_POSTS).

people composes and sends the newsletter but never imports posts (DESIGN.md): it
asks this function, which answers with plain data, from the one definition of
what the public may see.
"""

from people.digest import DigestPost
from posts.models import Post


def published_posts(*, ids=None, since=None, limit=200):
    """Published posts as DigestPost, newest first: those in `ids`, or published after
    `since`, or the newest `limit`. Two queries."""
    posts = Post.objects.published().only("pk", "title", "slug", "standfirst", "published_at")
    if ids is not None:
        posts = posts.filter(pk__in=list(ids))
    if since is not None:
        posts = posts.filter(published_at__gt=since)
    posts = posts.prefetch_related("topics").order_by("-published_at", "-pk")[:limit]
    return [
        DigestPost(
            post_id=post.pk,
            title=post.title,
            path=post.get_absolute_url(),
            summary=post.standfirst,
            topic_slugs=tuple(sorted(topic.slug for topic in post.topics.all())),
            published_at=post.published_at,
        )
        for post in posts
    ]
