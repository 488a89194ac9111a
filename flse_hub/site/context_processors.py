from flse_hub.site import identity


def site_identity(request):
    """The organisation's identity and menus for the header, footer and head of every page.

    Replaces the SITE_NAME and ORGANISATION_NAME of flse_hub.context_processors.site with
    the names staff set (that one still names the site where no request is at hand).
    """
    site = identity.get(request)
    path = request.path
    share_image_url = request.build_absolute_uri(site.share_image.url) if site.share_image else ""
    return {
        "site_identity": site,
        "SITE_NAME": site.site_name,
        "ORGANISATION_NAME": site.organisation_name,
        "header_links": [(link, _is_current(link.url, path)) for link in site.header_links],
        "default_share_image_url": share_image_url,
    }


def _is_current(url, path):
    # A section's address is current on its pages too (/posts/ on /posts/a-post/).
    if not url.startswith("/"):
        return False
    return path == url or (url != "/" and url.endswith("/") and path.startswith(url))
