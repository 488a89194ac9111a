from django.contrib.sitemaps import Sitemap

from flse_hub.site.models import Page


class PageSitemap(Sitemap):
    changefreq = "yearly"
    priority = 0.5

    def items(self):
        return Page.objects.published().only("slug", "updated_at", "published_at")

    def lastmod(self, page):
        return max(page.updated_at, page.published_at)
