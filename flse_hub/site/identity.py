"""The site's identity (settings, navigation, social links) as templates read it.

One lookup per request, from Django's cache, keyed on the content version
(flse_hub.freshness): saving any of it moves the version, so the next request builds
it afresh and no server keeps an old copy. A public page already knows the version
(flse_hub.caching puts it on the request), so once warm it costs no query at all;
other pages ask for the version (one small query).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from flse_hub import freshness

CACHE_SECONDS = 24 * 60 * 60
# Named in the footer, to staff only, when empty: what staff would be expected to fill.
EXPECTED_DETAILS = [
    ("charity_number", "Charity number"),
    ("company_number", "Company number"),
    ("postal_address", "Postal address"),
    ("contact_email", "Contact email"),
    ("contact_phone", "Contact phone"),
    ("funder_line", "Funder line"),
    ("logo", "Logo"),
    ("social_links", "Social media links"),
    ("share_image", "Default share image"),
]


@dataclass(frozen=True)
class Link:
    text: str
    url: str


@dataclass(frozen=True)
class Image:
    name: str  # the stored file's name, which changes with every upload
    url: str
    alt: str
    width: int | None
    height: int | None


@dataclass(frozen=True)
class SiteIdentity:
    site_name: str
    short_name: str
    organisation_name: str
    theme_colour: str
    logo: Image | None = None
    share_image: Image | None = None
    charity_number: str = ""
    company_number: str = ""
    postal_address_lines: tuple = ()
    contact_email: str = ""
    contact_phone: str = ""
    funder_line: str = ""
    home_introduction: str = ""
    social_links: tuple = ()
    header_links: tuple = ()
    footer_links: tuple = ()
    missing: tuple = field(default=())  # labels of EXPECTED_DETAILS left empty


def _image(file, alt, width, height):
    if not file:
        return None
    return Image(name=file.name, url=file.url, alt=alt, width=width, height=height)


def build():
    """Read the identity from the database (four queries)."""
    from flse_hub.site.models import SiteSettings

    row = SiteSettings.objects.filter(pk=1).first()
    if row is None:  # a flushed database: the migration's row is gone
        row = SiteSettings(
            site_name=settings.SITE_NAME, organisation_name=settings.ORGANISATION_NAME
        )
        social = header = footer = ()
    else:
        social = tuple(Link(link.label, link.url) for link in row.sociallink_set.all())
        header = tuple(
            Link(link.text(), link.url()) for link in row.headerlink_set.select_related("topic")
        )
        footer = tuple(
            Link(link.text(), link.url()) for link in row.footerlink_set.select_related("topic")
        )
    identity = SiteIdentity(
        site_name=row.site_name or settings.SITE_NAME,
        short_name=row.short_name or (row.site_name or settings.SITE_NAME)[:12],
        organisation_name=row.organisation_name or settings.ORGANISATION_NAME,
        theme_colour=row.theme_colour.lower(),
        logo=_image(row.logo, row.logo_alt, row.logo_width, row.logo_height),
        share_image=_image(
            row.share_image, row.share_image_alt, row.share_image_width, row.share_image_height
        ),
        charity_number=row.charity_number,
        company_number=row.company_number,
        postal_address_lines=tuple(
            line.strip() for line in row.postal_address.splitlines() if line.strip()
        ),
        contact_email=row.contact_email,
        contact_phone=row.contact_phone,
        funder_line=row.funder_line,
        home_introduction=row.home_introduction.strip(),
        social_links=social,
        header_links=header,
        footer_links=footer,
    )
    missing = tuple(
        label
        for name, label in EXPECTED_DETAILS
        if not (social if name == "social_links" else getattr(row, name))
    )
    return SiteIdentity(**{**identity.__dict__, "missing": missing})


def get(request=None):
    """The identity for this content version: from the cache, or built and cached."""
    version = getattr(request, "content_version", None) or freshness.version()
    key = f"site-identity:{version}"
    identity = cache.get(key)
    if identity is None:
        identity = build()
        cache.set(key, identity, CACHE_SECONDS)
    return identity
