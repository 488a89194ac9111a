from django.conf import settings


def site(request):
    """Site-wide names for templates (header, footer, emails)."""
    return {"SITE_NAME": settings.SITE_NAME, "ORGANISATION_NAME": settings.ORGANISATION_NAME}
