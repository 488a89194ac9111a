from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse


def robots_txt(request):
    """Crawlers may read everything public; the sitemap lists it."""
    lines = ["User-agent: *"]
    # Only the well-known default is named: printing a custom admin address
    # here would publish what DJANGO_ADMIN_PATH is meant to keep unguessable.
    if settings.ADMIN_PATH == "admin/":
        lines.append(f"Disallow: {reverse('admin:index')}")
    lines.append("Allow: /")
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
