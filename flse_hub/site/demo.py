"""FLSE's identity as demo content: loaded once by `manage.py load_demo_content`.

Only what the seed (the organisation's published posts) states is filled in. The
charity and company numbers, postal address, phone, logo and social links are not in
it, so they stay empty: the public sees nothing for them, and signed-in staff see
"…: placeholder — set in Site settings" in the footer.
"""

from django.db import transaction
from django.utils import timezone

from flse_hub.site.models import DemoContentLoad, FooterLink, HeaderLink, SiteSettings

DEMO_NAME = "site-identity"

SETTINGS = {
    "site_name": "FLSE Learning Hub",
    "short_name": "FLSE Hub",
    "organisation_name": "Fulfilling Lives South East",
    # The seed: "The FLSE project, based at BHT Sussex, is one of 12 partnerships funded
    # by the National Lottery Community Fund".
    "funder_line": "Fulfilling Lives South East is a project based at BHT Sussex, one of 12 "
    "Fulfilling Lives partnerships funded by The National Lottery Community Fund.",
    "home_introduction": (
        "Fulfilling Lives South East (FLSE) gave intensive support to people experiencing "
        "multiple and complex needs in Brighton & Hove, Eastbourne and Hastings, involved "
        "people with lived experience at every level, and worked to change the systems "
        "that let them down.\n\n"
        "This is what we learned about co-production, systems change and trauma-informed "
        "practice, written by the people who did the work."
    ),
    "theme_colour": "#0b5563",
}
# Pages at /about/ and the like are the Pages feature's; they are linked by address.
HEADER = [
    ("Posts", "/posts/"),
    ("Topics", "/topics/"),
    ("About", "/about/"),
    ("Newsletter", "/newsletter/"),
]
FOOTER = [
    ("About", "/about/"),
    ("Contact", "/contact/"),
    ("Accessibility statement", "/accessibility/"),
    ("Privacy notice", "/privacy/"),
]


@transaction.atomic
def load_site_identity(*, force=False):
    """Fill Site settings and the two menus with FLSE's demo values, once per database.

    A site whose settings staff have already changed keeps them: values are written only
    into empty fields, and menus only when they have no links.
    Returns a sentence saying what happened.
    """
    if not force and DemoContentLoad.objects.filter(name=DEMO_NAME).exists():
        return "Site settings: demo values already loaded; nothing changed."
    DemoContentLoad.objects.update_or_create(name=DEMO_NAME, defaults={"loaded_at": timezone.now()})
    site, _ = SiteSettings.objects.get_or_create(pk=1, defaults=SETTINGS)
    for name, value in SETTINGS.items():
        default = SiteSettings._meta.get_field(name).default
        if not getattr(site, name) or getattr(site, name) == default:
            setattr(site, name, value)
    site.save()
    for model, links in [(HeaderLink, HEADER), (FooterLink, FOOTER)]:
        if not model.objects.exists():
            model.objects.bulk_create(
                model(site_settings=site, order=10 * (i + 1), label=label, address=address)
                for i, (label, address) in enumerate(links)
            )
    return "Site settings: FLSE's demo values and menus loaded."
