import json

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control

from flse_hub.site import icons, identity
from flse_hub.site.models import Page

# Browsers ask for icons on every visit; a day keeps that cheap, and a new logo shows
# within a day (the ETag lets them check sooner for nothing).
ICON_CACHE_SECONDS = 24 * 60 * 60
MANIFEST_CACHE_SECONDS = 60 * 60


def _icon_response(request, kind, content_type):
    site = identity.get(request)
    data = icons.render(site.logo.name if site.logo else "", kind)
    response = HttpResponse(data, content_type=content_type)
    patch_cache_control(response, public=True, max_age=ICON_CACHE_SECONDS)
    return response


def favicon(request):
    return _icon_response(request, "ico", "image/x-icon")


def apple_touch_icon(request):
    return _icon_response(request, "apple-touch", "image/png")


def icon(request, size):
    if size not in icons.PNG_SIZES:
        raise Http404
    return _icon_response(request, size, "image/png")


def manifest(request):
    """The web app manifest: names, icons and colours from Site settings."""
    site = identity.get(request)
    body = {
        "name": site.site_name,
        "short_name": site.short_name,
        "lang": "en-GB",
        "start_url": reverse("posts:home"),
        "scope": "/",
        "display": "standalone",
        "theme_color": site.theme_colour,
        "background_color": "#ffffff",
        "icons": [
            {
                "src": reverse("site:icon", args=[size]),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in icons.PNG_SIZES
        ],
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=2),
        content_type="application/manifest+json; charset=utf-8",
    )
    patch_cache_control(response, public=True, max_age=MANIFEST_CACHE_SECONDS)
    return response


def may_preview(user):
    """Drafts and scheduled pages, for staff the admin would show them to (as for posts)."""
    return (
        user.is_active
        and user.is_staff
        and (user.has_perm("site.view_page") or user.has_perm("site.change_page"))
    )


def page(request, slug):
    pages = Page.objects.all() if may_preview(request.user) else Page.objects.published()
    page = get_object_or_404(pages, slug=slug)
    url = request.build_absolute_uri(page.get_absolute_url())
    structured_data = None
    if page.is_published:
        structured_data = {
            "@context": "https://schema.org",
            "@type": "WebPage",
            "name": page.title,
            "description": page.meta_description,
            "url": url,
            "datePublished": page.published_at.isoformat(),
            "dateModified": max(page.updated_at, page.published_at).isoformat(),
            "inLanguage": "en-GB",
            "publisher": {"@type": "Organization", "name": settings.ORGANISATION_NAME},
        }
    return render(request, "site/page.html", {"page": page, "structured_data": structured_data})
