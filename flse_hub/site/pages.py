"""Which page addresses are free: a page lives at /<slug>/, beside every other URL.

The page pattern is registered last, so an existing address always wins; a page
whose slug an existing address already uses could never be reached. Those slugs
are refused when the page is saved, with a message saying why.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import URLResolver, get_resolver

# Addresses that are, or may soon be, served by something other than a page (files the
# web server or a browser asks for by name, and the apps' own sections).
RESERVED_SLUGS = {
    "admin", "posts", "topics", "people", "search", "newsletter", "feeds", "static",
    "media", "sitemap.xml", "robots.txt", "favicon.ico", "manifest.webmanifest",
    "csp-report", "well-known", ".well-known", "accounts", "login", "logout", "api",
}  # fmt: skip

_LITERAL_START = re.compile(r"^\^?([^<^$/\\(\[?*+]+)")


def _first_segments(patterns):
    """The first path segment of every URL pattern that begins with fixed text."""
    for pattern in patterns:
        match = _LITERAL_START.match(str(pattern.pattern))
        if match:
            yield match.group(1).strip("/").split("/")[0]
        elif isinstance(pattern, URLResolver):  # an include() at the root: look inside
            yield from _first_segments(pattern.url_patterns)


def reserved_slugs():
    """Slugs a page may not have: the list above, the admin's, CSP report and media paths,
    and the first segment of every address the site's URLs already serve."""
    taken = set(RESERVED_SLUGS)
    for path in (settings.ADMIN_PATH, settings.CSP_REPORT_PATH, settings.STATIC_URL):
        taken.add(path.strip("/").split("/")[0])
    if settings.MEDIA_URL.startswith("/"):
        taken.add(settings.MEDIA_URL.strip("/").split("/")[0])
    taken.update(_first_segments(get_resolver().url_patterns))
    taken.discard("")
    return {slug.lower() for slug in taken}


def validate_page_slug(value):
    if value.lower() in reserved_slugs():
        raise ValidationError(
            "“/%(slug)s/” is already an address of the site (or kept for one), so a page "
            "there could never be reached. Choose another slug, e.g. “about-%(slug)s”.",
            code="reserved_slug",
            params={"slug": value},
        )
