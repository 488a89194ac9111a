from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from people.models import NewsletterIssue


class NewsletterIssueSitemap(Sitemap):
    changefreq = "yearly"
    priority = 0.4

    def items(self):
        issues = list(NewsletterIssue.objects.public().only("slug", "sent_at"))
        # An empty archive is not worth a search engine's visit.
        return ["archive", *issues] if issues else []

    def location(self, item):
        return reverse("people:newsletter-issues") if item == "archive" else item.get_absolute_url()

    def lastmod(self, item):
        if item == "archive":
            return (
                NewsletterIssue.objects.public()
                .order_by("-sent_at")
                .values_list("sent_at", flat=True)
                .first()
            )
        return item.sent_at
