from django.conf import settings


def archive(request):
    """`archive_build` for templates: set only while export_static renders the site."""
    return {"archive_build": getattr(settings, "ARCHIVE_BUILD", None)}
