from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from flse_hub.caching import public_page
from flse_hub.media import media_urlpatterns
from flse_hub.site.sitemaps import PageSitemap
from flse_hub.views import csp_report, robots_txt
from people.sitemaps import NewsletterIssueSitemap
from posts import sitemaps

ALL_SITEMAPS = {
    **sitemaps.SITEMAPS,
    "site-pages": PageSitemap,
    "newsletter": NewsletterIssueSitemap,
}

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    # Uploaded files, with inert headers, whenever this app is the one serving them.
    *media_urlpatterns(),
    path("", include("posts.urls")),
    # An index of sections, each in pages: no one document lists the whole archive.
    path("sitemap.xml", public_page(sitemaps.index), {"sitemaps": ALL_SITEMAPS}, name="sitemap"),
    path(
        "sitemap-<slug:section>.xml",
        public_page(sitemaps.section),
        {"sitemaps": ALL_SITEMAPS},
        name="sitemap-section",
    ),
    path("robots.txt", public_page(robots_txt), name="robots-txt"),
    path(settings.CSP_REPORT_PATH, csp_report, name="csp-report"),
    path("", include("people.urls")),
    # Favicon, home-screen icons and web app manifest, from Site settings; then
    # staff-written pages at /<slug>/: last, so every address above wins (their slugs are
    # refused anyway, flse_hub.site.pages).
    path("", include("flse_hub.site.urls")),
]

# A database outage raised outside a view is a 503 too; other 500s are never cached.
handler500 = "flse_hub.views.server_error"
