"""The consent statements shown beside the signup form, one entry per version.

The wording is a versioned constant rather than a table staff edit: each
subscriber records the version they agreed to, so an old version's text must
never change or disappear. Here that rule is enforced by review and by a test
(tests/people/test_consent.py pins a digest of every published version), the
text is translatable with the rest of the site, and rendering it costs no
database query on the footer of every page. To change the wording, add a new
version and point CURRENT_VERSION at it; never edit a published one.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

# The placeholder is filled with settings.ORGANISATION_NAME when shown.
WORDINGS = {
    1: gettext_noop(
        "I would like the {organisation} newsletter by email. I can leave at any time with "
        "the link in every email. My details are used only to send the newsletter, as the "
        "privacy notice explains."
    ),
}
CURRENT_VERSION = 1


def wording(version=CURRENT_VERSION):
    """The consent statement of `version`, translated and with the organisation's name."""
    return gettext(WORDINGS[version]).format(organisation=settings.ORGANISATION_NAME)


def privacy_notice_url():
    """Where the privacy notice is: a page of the site (settings.PRIVACY_NOTICE_SLUG)."""
    return reverse("site:page", kwargs={"slug": settings.PRIVACY_NOTICE_SLUG})


def version_choices():
    return [(version, f"Version {version}") for version in WORDINGS]
