from django.conf import settings
from django.shortcuts import get_object_or_404, render

from flse_hub.site.models import Page


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
