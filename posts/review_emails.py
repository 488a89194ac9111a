"""The emails of the review workflow, sent by the background worker (posts.tasks).

Submitted → every editor (who may review); sent back or unpublished → the writer,
with the comment; published or scheduled → the writer. Nobody is emailed about their
own step. Each message links to the post's admin page.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from posts.models import Post, ReviewEvent

Status = Post.Status

# Steps older than this are not emailed by a restarted worker: the news is stale.
RECOVER_WITHIN = timedelta(days=2)
MAX_SUBJECT_TITLE = 120


def one_line(text, limit=MAX_SUBJECT_TITLE):
    """`text` on one line and at most `limit` characters: safe in a header."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def editors():
    """Active staff with an email address who may review posts (superusers included)."""
    return (
        get_user_model()
        .objects.with_perm(
            "posts.review_post",
            is_active=True,
            include_superusers=True,
            backend="django.contrib.auth.backends.ModelBackend",
        )
        .filter(is_staff=True)
        .exclude(email="")
    )


def kind_of(event):
    if event.to_status == Status.IN_REVIEW:
        return "submitted"
    if event.to_status == Status.PUBLISHED:
        is_future = event.published_at and event.published_at > event.at
        return "scheduled" if is_future else "published"
    return "sent_back" if event.from_status == Status.IN_REVIEW else "unpublished"


SUBJECTS = {
    "submitted": "For review: {title}",
    "sent_back": "Changes asked: {title}",
    "unpublished": "Returned to draft: {title}",
    "published": "Published: {title}",
    "scheduled": "Scheduled: {title}",
}


def recipients(event, kind):
    if kind == "submitted":
        people = list(editors())
    else:
        writer = event.post.created_by
        people = [writer] if writer and writer.is_active and writer.email else []
    return [person for person in people if person.pk != event.by_id]


def build_messages(event, base_url=None):
    kind = kind_of(event)
    post = event.post
    base = (base_url or settings.SITE_URL).rstrip("/")
    by = event.by
    context = {
        "kind": kind,
        "event": event,
        "post": post,
        "by_name": (by.get_full_name() or by.get_username()) if by else "Someone",
        "admin_url": base + reverse("admin:posts_post_change", args=[post.pk]),
        "SITE_NAME": settings.SITE_NAME,
    }
    subject = SUBJECTS[kind].format(title=one_line(post.title))
    text = render_to_string("emails/review_step.txt", context)
    html = render_to_string("emails/review_step.html", context)
    messages = []
    for person in recipients(event, kind):
        # The bare address: a name typed by staff never reaches a header.
        message = EmailMultiAlternatives(subject=subject, body=text, to=[person.email])
        message.attach_alternative(html, "text/html")
        messages.append(message)
    return messages


def send_for_event(event_pk, *, base_url=None):
    """Send a step's emails unless already sent; returns how many were sent."""
    claimed = ReviewEvent.objects.filter(pk=event_pk, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return 0
    event = ReviewEvent.objects.select_related("post__created_by", "by").get(pk=event_pk)
    try:
        messages = build_messages(event, base_url)
        sent = mail.mailers.default.send_messages(messages) if messages else 0
    except Exception:
        # Due again: the worker's restart (posts.tasks.recover) queues it afresh.
        with transaction.atomic():
            ReviewEvent.objects.filter(pk=event_pk).update(notified_at=None)
        raise
    return sent or 0


def unsent_event_ids():
    """Recent steps whose emails were never sent (a worker died, the mail server was down)."""
    since = timezone.now() - RECOVER_WITHIN
    return list(
        ReviewEvent.objects.filter(notified_at__isnull=True, at__gte=since).values_list(
            "pk", flat=True
        )[:500]
    )
