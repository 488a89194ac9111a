from urllib.parse import quote

from django.conf import settings


def site(request):
    """Site-wide names for templates (header, footer, emails)."""
    return {"SITE_NAME": settings.SITE_NAME, "ORGANISATION_NAME": settings.ORGANISATION_NAME}


# Query parameters that select different content; everything else (utm_*,
# fbclid, …) is tracking and is left out of the canonical address.
CANONICAL_PARAMS = ("topic", "year", "q", "page")


def canonical(request):
    """The page's canonical absolute URL: its path plus the parameters that matter.

    Page 1 of a list is the list itself; later pages canonicalise to themselves.
    """
    params = [
        (name, value)
        for name in CANONICAL_PARAMS
        for value in request.GET.getlist(name)[:1]
        if value and not (name == "page" and value == "1")
    ]
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in params)
    url = request.build_absolute_uri(request.path)
    return {"canonical_url": f"{url}?{query}" if query else url}
