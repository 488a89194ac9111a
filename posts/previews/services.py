"""Preview links and answers: making, revoking, reading a token, recording an answer,
and the warning an editor gets before publishing a version nobody agreed to."""

import hashlib
import secrets
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from posts.previews import content
from posts.previews.models import ContributorResponse, PreviewLink

MIN_DAYS, DEFAULT_DAYS, MAX_DAYS = 1, 7, 30
# 32 random bytes: 256 bits, written in 43 URL-safe characters.
TOKEN_BYTES = 32
TOKEN_LENGTH = 43
TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def hash_token(token):
    """The stored form of a token. A plain sha256 is enough: the token is 256 random
    bits, so there is no dictionary to try and no need for a slow hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def make_link(post, *, recipient, days=DEFAULT_DAYS, dies_on_change=False, by=None):
    """Make a link to preview `post`; returns (link, token). The token is not stored."""
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(f"A preview link lasts {MIN_DAYS} to {MAX_DAYS} days, not {days}.")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    link = PreviewLink.objects.create(
        post=post,
        token_hash=hash_token(token),
        recipient=recipient,
        created_by=by,
        created_at=now,
        expires_at=now + timedelta(days=days),
        dies_on_change=dies_on_change,
        content_fingerprint=content.current_fingerprint(post),
    )
    return link, token


def preview_path(token):
    return reverse("posts:preview", kwargs={"token": token})


def revoke_link(link, *, by=None):
    """Stop a link working from now on; revoking twice keeps the first time."""
    PreviewLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    link.refresh_from_db()


def is_well_formed(token):
    return len(token) == TOKEN_LENGTH and set(token) <= TOKEN_ALPHABET


def find_link(token):
    """The link `token` opens and the post as it is now, or (None, None).

    The post comes with what the page and its snapshot need, so the caller can
    tell a link that died on a change (link.state(fingerprint)) without more queries.
    """
    if not is_well_formed(token):
        return None, None
    link = PreviewLink.objects.filter(token_hash=hash_token(token)).first()
    if link is None:
        return None, None
    post = content.posts_with_content().filter(pk=link.post_id).first()
    return link, post


def record_response(link, post, *, kind, shown_fingerprint, name="", message=""):
    """Store an answer about the version now on the page, and queue the editors' email.

    Returns the answer, or None when the post has changed since the contributor's page
    was drawn (`shown_fingerprint`): they must not agree to words they have not read.
    """
    snapshot = content.snapshot(post)
    fingerprint = content.fingerprint(snapshot)
    if fingerprint != shown_fingerprint:
        return None
    with transaction.atomic():
        response = ContributorResponse.objects.create(
            link=link,
            post=post,
            kind=kind,
            name=name,
            message=message,
            snapshot=snapshot,
            fingerprint=fingerprint,
        )
        _queue_notification(response.pk)
    return response


def _queue_notification(response_pk):
    # After the commit, so a queue in another store never runs before the row exists.
    from posts.previews.tasks import notify_editors

    transaction.on_commit(partial(notify_editors.enqueue, response_pk))


def latest_agreement(post):
    return post.contributor_responses.filter(kind=ContributorResponse.Kind.AGREED).first()


def agreement_warning(post):
    """Why publishing `post` as it is now needs a second thought, or "" if it does not.

    A post nobody was asked about gets no warning. One with an agreement warns when
    what it shows now differs from the version agreed to; an answer asking for changes
    that is newer than every agreement warns too.
    """
    latest = post.contributor_responses.select_related("link").first()
    if latest is None:
        return ""
    if latest.kind == ContributorResponse.Kind.CHANGES:
        return (
            f"{latest.link.recipient} asked for changes on "
            f"{timezone.localtime(latest.created_at):%d %b %Y at %H:%M} and has not agreed "
            "to a version since."
        )
    if latest.fingerprint != content.current_fingerprint(post):
        return (
            f"This version differs from the one {latest.link.recipient} agreed to on "
            f"{timezone.localtime(latest.created_at):%d %b %Y at %H:%M}. Send them a new "
            "preview link if the changes need their agreement."
        )
    return ""


def editor_addresses(link):
    """Who hears about an answer: the link's maker and everyone who may publish posts."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    may_publish = Q(
        user_permissions__codename="publish_post",
        user_permissions__content_type__app_label="posts",
    ) | Q(
        groups__permissions__codename="publish_post",
        groups__permissions__content_type__app_label="posts",
    )
    addresses = set(users.filter(may_publish).values_list("email", flat=True))
    if link.created_by_id and link.created_by.is_active and link.created_by.email:
        addresses.add(link.created_by.email)
    return sorted(addresses)


def send_notification(response_pk, *, base_url):
    """Email the editors about one answer; returns "sent" or "not due".

    notified_at is written after the mail server has the message: a worker killed in
    between sends it again on recovery, and a second email is better than none. A
    failed send raises, so the task shows as failed, and the row stays due.
    """
    response = (
        ContributorResponse.objects.select_related("link__created_by", "post")
        .filter(pk=response_pk, notified_at__isnull=True)
        .first()
    )
    if response is None:
        return "not due"
    recipients = editor_addresses(response.link)
    if recipients:
        context = {
            "SITE_NAME": settings.SITE_NAME,
            "response": response,
            "admin_url": base_url
            + reverse("admin:posts_post_change", kwargs={"object_id": response.post_id}),
        }
        agreed = response.kind == ContributorResponse.Kind.AGREED
        verb = "agreed to" if agreed else "asked for changes to"
        subject = f"{response.link.recipient} {verb} “{response.snapshot['title']}”"
        mail.EmailMessage(
            # A header: one line, and not the whole of a long title.
            subject=" ".join(subject.split())[:200],
            body=render_to_string("emails/preview_response.txt", context),
            to=recipients,
        ).send()
    ContributorResponse.objects.filter(pk=response_pk).update(notified_at=timezone.now())
    return "sent" if recipients else "not due"


def unnotified_responses():
    return ContributorResponse.objects.filter(notified_at__isnull=True)
