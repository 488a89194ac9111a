import re

from django.core import mail
from django.urls import reverse

from people import consent

LINK = re.compile(r"https?://[^/\s]+(/newsletter/[a-z-]+/[^/\s]+/)")


def sign_up(client, email, *, environ=None, **fields):
    """POST the signup form as the footer box on /posts/ sends it."""
    data = {
        "email": email,
        "consent_version": consent.CURRENT_VERSION,
        "source": "/posts/",
        "website": "",
        **fields,
    }
    return client.post(reverse("people:newsletter"), data, **(environ or {}))


def link_in(message, kind):
    """The path of the `kind` link ("confirm", "unsubscribe", "manage") in an email's text."""
    for path in LINK.findall(message.body):
        if path.startswith(f"/newsletter/{kind}/"):
            return path
    raise AssertionError(f"No {kind} link in:\n{message.body}")


def last_email_to(address):
    sent = [m for m in mail.outbox if m.to == [address]]
    assert sent, f"no email to {address}"
    return sent[-1]
