"""The sitemap: an index (/sitemap.xml) of sections, each in pages (/sitemap-posts.xml?p=2)
small enough to cost no more than a list page whatever the archive's size.

Public posts, topics and people with public posts, and the index pages. Their lists and
newest dates are worked out once per content version (posts.archive); post pages start
from a kept (published_at, pk) like list pages, never an OFFSET.
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.db.models.functions import Greatest
from django.urls import reverse

from people.models import Person
from posts import archive
from posts.models import Post

# Posts per sitemap page: so that a page costs no more than a list page to render (500
# took 116 ms of CPU on SQLite, a list page 33; make bench-pages).
POSTS_PER_SITEMAP_PAGE = 100


class ArchiveSitemap(Sitemap):
    """A sitemap that knows its request, so its figures are kept per content version."""

    def __init__(self, request):
        self.request = request

    def cached(self, name, compute):
        return archive.cached(self.request, f"sitemap:{name}", compute)

    @property
    def paginator(self):
        # Django makes a new Paginator (and counts again) each time this is read.
        if not hasattr(self, "_paginator"):
            self._paginator = Paginator(self.items(), self.limit)
        return self._paginator


def newest_post_change(sitemap):
    """When a public post last changed (was published or edited), for this version."""
    return sitemap.cached(
        "newest-post",
        lambda: Post.objects.published().aggregate(
            newest=Max(Greatest("updated_at", "published_at"))
        )["newest"],
    )


class PostSitemap(ArchiveSitemap):
    changefreq = "monthly"
    priority = 0.8
    limit = POSTS_PER_SITEMAP_PAGE

    def items(self):
        return Post.objects.published().only("slug", "updated_at", "published_at")

    @property
    def paginator(self):
        if not hasattr(self, "_paginator"):
            self._paginator = archive.ArchivePaginator(
                self.items(), self.limit, request=self.request, name="sitemap"
            )
        return self._paginator

    def lastmod(self, post):
        return max(post.updated_at, post.published_at)

    def get_latest_lastmod(self):
        return newest_post_change(self)


class TopicSitemap(ArchiveSitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        def topics():
            published = Post.objects.published().values("pk")
            return list(
                archive.topics_with_post_counts().annotate(
                    newest=Max(
                        "tagged_posts__content_object__published_at",
                        filter=Q(tagged_posts__content_object__in=published),
                    )
                )
            )

        return self.cached("topics", topics)

    def lastmod(self, topic):
        return topic.newest


class PersonSitemap(ArchiveSitemap):
    """People credited by name on a public post: exactly those with a public page."""

    changefreq = "monthly"
    priority = 0.5

    def items(self):
        def people():
            public_credits = Q(credits__anonymous=False) & Q(
                credits__post__in=Post.objects.published().values("pk")
            )
            return list(
                Person.objects.annotate(
                    newest=Max(
                        Greatest("credits__post__updated_at", "credits__post__published_at"),
                        filter=public_credits,
                    )
                )
                .filter(newest__isnull=False)
                .order_by("name")
            )

        return self.cached("people", people)

    def lastmod(self, person):
        return person.newest


class IndexSitemap(ArchiveSitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["posts:home", "posts:list", "posts:topics"]

    def lastmod(self, name):
        # Each lists the newest posts, so it changed when the newest post did.
        return newest_post_change(self)

    def get_latest_lastmod(self):
        return newest_post_change(self)

    def location(self, name):
        return reverse(name)


SITEMAPS = {
    "pages": IndexSitemap,
    "posts": PostSitemap,
    "topics": TopicSitemap,
    "people": PersonSitemap,
}


class KeptSitemap(ArchiveSitemap):
    """Another app's section (site pages, newsletter issues) with its items and newest date
    kept per content version, so the index costs the same queries whatever they hold."""

    def __init__(self, request, name, sitemap):
        super().__init__(request)
        self.name = name
        self.sitemap = sitemap
        self.limit = sitemap.limit
        self.changefreq = sitemap.changefreq
        self.priority = sitemap.priority

    def items(self):
        return self.cached(f"{self.name}:items", lambda: list(self.sitemap.items()))

    def location(self, item):
        return self.sitemap.location(item)

    def lastmod(self, item):
        return self.sitemap.lastmod(item) if hasattr(self.sitemap, "lastmod") else None

    def get_latest_lastmod(self):
        # In a tuple: an empty section's None would read as "not kept yet".
        return self.cached(f"{self.name}:newest", lambda: (self.sitemap.get_latest_lastmod(),))[0]


def _for_request(request, sitemaps):
    return {
        section: sitemap(request)
        if issubclass(sitemap, ArchiveSitemap)
        else KeptSitemap(request, section, sitemap())
        for section, sitemap in sitemaps.items()
    }


def index(request, sitemaps):
    """/sitemap.xml: each section's pages, by Django's sitemap index."""
    return sitemap_views.index(
        request, _for_request(request, sitemaps), sitemap_url_name="sitemap-section"
    )


def section(request, sitemaps, section):
    """/sitemap-<section>.xml?p=N: one page of one section."""
    return sitemap_views.sitemap(request, _for_request(request, sitemaps), section=section)
