"""sitemap.xml: public posts, topics and people with public posts, and the index pages."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.db.models.functions import Greatest
from django.urls import reverse

from people.models import Person
from posts.models import Post
from posts.views import topics_with_post_counts


class PostSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Post.objects.published().only("slug", "updated_at", "published_at")

    def lastmod(self, post):
        return max(post.updated_at, post.published_at)


class TopicSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        published = Post.objects.published().values("pk")
        return topics_with_post_counts().annotate(
            newest=Max(
                "tagged_posts__content_object__published_at",
                filter=Q(tagged_posts__content_object__in=published),
            )
        )

    def lastmod(self, topic):
        return topic.newest


class PersonSitemap(Sitemap):
    """People credited by name on a public post: exactly those with a public page."""

    changefreq = "monthly"
    priority = 0.5

    def items(self):
        public_credits = Q(credits__anonymous=False) & Q(
            credits__post__in=Post.objects.published().values("pk")
        )
        return (
            Person.objects.annotate(
                newest=Max(
                    Greatest("credits__post__updated_at", "credits__post__published_at"),
                    filter=public_credits,
                )
            )
            .filter(newest__isnull=False)
            .order_by("name")
        )

    def lastmod(self, person):
        return person.newest


class IndexSitemap(Sitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["posts:home", "posts:list", "posts:topics"]

    def lastmod(self, name):
        # Each lists the newest posts, so it changed when the newest post did.
        if not hasattr(self, "_newest"):
            changed = Greatest("updated_at", "published_at")
            self._newest = Post.objects.published().aggregate(newest=Max(changed))["newest"]
        return self._newest

    def location(self, name):
        return reverse(name)


SITEMAPS = {
    "pages": IndexSitemap,
    "posts": PostSitemap,
    "topics": TopicSitemap,
    "people": PersonSitemap,
}
