"""Signed links for emails: one salt per purpose, so a link for one job never works for another."""

from django.conf import settings
from django.core import signing

CONFIRM = "people.newsletter.confirm"
UNSUBSCRIBE = "people.newsletter.unsubscribe"
MANAGE = "people.newsletter.manage"
# "Change my topics" in a newsletter issue: read weeks later, so it does not expire,
# like the unsubscribe link beside it. Its own salt: it opens only the manage page.
ISSUE_MANAGE = "people.newsletter.issue-manage"


class TokenExpired(Exception):
    pass


class TokenInvalid(Exception):
    pass


def make(purpose, subscriber_pk):
    return signing.TimestampSigner(salt=purpose).sign(str(subscriber_pk))


def max_age(purpose):
    # An unsubscribe link never expires: leaving must always work from any old email.
    return None if purpose in (UNSUBSCRIBE, ISSUE_MANAGE) else settings.NEWSLETTER_CONFIRM_MAX_AGE


def read(purpose, token):
    """The subscriber pk in `token`; raise TokenExpired or TokenInvalid."""
    signer = signing.TimestampSigner(salt=purpose)
    try:
        value = signer.unsign(token, max_age=max_age(purpose))
    except signing.SignatureExpired:
        raise TokenExpired from None
    except signing.BadSignature:
        raise TokenInvalid from None
    try:
        return int(value)
    except ValueError:
        raise TokenInvalid from None
