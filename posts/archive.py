"""What list pages show about the whole archive (topics with their counts, the years,
how many posts a filter matches and where each of its pages starts), worked out once per
content version and then read from Django's cache.

Computed per request these grew with the archive: counts over every tagged post, a
DISTINCT over every post's year, an OFFSET past every newer post on a deep page. They
change only when the content version does (a public write or a scheduled post's time
arriving, flse_hub.freshness), so the key names that version: after a change the first
page to need a figure computes it, and every later page, on every server, reads it.
"""

from functools import cached_property

from django.core.cache import caches
from django.core.paginator import Paginator
from django.db.models import Count, Q

from flse_hub.caching import content_state
from posts.models import Post, Topic

CACHE_SECONDS = 24 * 60 * 60


def cached(request, name, compute):
    """`compute()`'s value for this content version, from the cache when another request
    has worked it out already."""
    version, last_modified = content_state(request)
    moment = f"{last_modified.timestamp():.6f}" if last_modified else "-"
    key = f"{version}:{moment}:{name}"
    archive = caches["archive"]
    value = archive.get(key)
    if value is None:
        value = compute()
        archive.set(key, value, CACHE_SECONDS)
    return value


def topics_with_post_counts():
    """Topics that have published posts, each with `post_count`, in one query."""
    published = Post.objects.published()
    return (
        Topic.objects.annotate(
            post_count=Count(
                "tagged_posts", filter=Q(tagged_posts__content_object__in=published.values("pk"))
            )
        )
        .filter(post_count__gt=0)
        .order_by("name")
    )


def topics(request):
    """topics_with_post_counts() as a list, for this content version."""
    return cached(request, "topics", lambda: list(topics_with_post_counts()))


def years(request):
    """The years that have published posts, newest first, for this content version."""
    return cached(
        request,
        "years",
        lambda: [
            day.year for day in Post.objects.published().dates("published_at", "year", "DESC")
        ],
    )


class ArchivePaginator(Paginator):
    """Pages of published posts, newest first, each found from where it starts
    (published_at, pk) rather than by an OFFSET past every newer post.

    `name` names the filter of `object_list` (e.g. "topic:3"): the count and the starts
    of its pages are kept for the content version under it.
    """

    def __init__(self, object_list, per_page, *, request, name, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_and_starts = cached(
            request, f"pages:{self.per_page}:{name}", self._count_and_starts
        )

    def _count_and_starts(self):
        keys = self.object_list.order_by("-published_at", "-pk").values_list("published_at", "pk")
        keys = list(keys)
        return len(keys), keys[:: self.per_page]

    @cached_property
    def count(self):
        return self.count_and_starts[0]

    def page(self, number):
        number = self.validate_number(number)
        starts = self.count_and_starts[1]
        if not starts:
            return self._get_page(self.object_list.none(), number, self)
        published_at, pk = starts[number - 1]
        rows = self.object_list.filter(
            Q(published_at__lt=published_at) | Q(published_at=published_at, pk__lte=pk)
        ).order_by("-published_at", "-pk")[: self.per_page]
        return self._get_page(rows, number, self)
