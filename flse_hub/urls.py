from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from flse_hub.caching import public_page
from flse_hub.views import robots_txt
from posts.sitemaps import SITEMAPS

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    path("", include("posts.urls")),
    path("sitemap.xml", public_page(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", public_page(robots_txt), name="robots-txt"),
    path("", include("people.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
