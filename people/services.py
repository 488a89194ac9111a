"""The newsletter's writes: signup, its emails, confirm, leave, erase.

A request never talks to the mail server. It records on the subscriber's row
that an email is due and queues one task (people.tasks) that sends it; the row,
not the queue, is the record of what is owed. "Sent" is written only after the
mail server has accepted the message, so a worker that dies mid-send leaves the
email due, and `run_worker` (at start-up) or `send_pending_confirmations` (from
cron) queues it again.

The two public forms do the same statements and queue one task whatever the
address's state (unknown, pending, active, unsubscribed, erased): the database
decides what each statement changes and the task decides what, if anything, to
send, so neither the answer nor its timing says whether an address is listed.
"""

import logging
from functools import partial

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from people import consent, ratelimit, tokens
from people.addresses import address_hash, normalise_email
from people.models import Interest, Subscriber, SuppressedAddress

log = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000


def signup(email, *, name="", topics=(), consent_version=None, source_page="", base_url=None):
    """Record a signup and queue the email it calls for.

    Every state takes the same statements: an insert that does nothing if the
    address is known, an update that records the fresh consent unless the
    subscriber is active (knowing someone's address must not let a stranger
    edit their name or topics), an update that asks for an email, and one task.
    The only difference is what the owner finds in their inbox: a confirmation
    link, or for an active subscriber a note with a link to change topics or leave.
    """
    email = normalise_email(email)
    # Counted for every address, known or not, so the limit itself reveals nothing.
    may_email = ratelimit.allow(
        "newsletter-address", address_hash(email), settings.NEWSLETTER_RATE_PER_ADDRESS
    )
    now = timezone.now()
    consent_record = {
        "consented_at": now,
        "consent_version": consent_version or consent.CURRENT_VERSION,
        "source_page": source_page[:300],
    }
    request = {
        "confirmation_requested_at": now,
        "requested_by": Subscriber.Request.SIGNUP,
        "confirmation_attempts": 0,
    }
    this_address = Subscriber.objects.for_email(email)
    with transaction.atomic():
        # Single statements, no read-then-write: two signups of one address at once
        # both end on the one row the unique constraint allows.
        Subscriber.objects.bulk_create(
            [Subscriber(email=email, name=name, **consent_record)], ignore_conflicts=True
        )
        # Pending: the latest submission is the consent on record.
        # Unsubscribed: this is a fresh consent, confirmed afresh.
        this_address.exclude(status=Subscriber.Status.ACTIVE).update(
            **consent_record,
            status=Subscriber.Status.PENDING,
            confirmed_at=None,
            **({"name": name} if name else {}),
        )
        if may_email:
            this_address.update(**request)
        if topics:
            _set_interests_unless_active(email, topics)
        pk = this_address.values_list("pk", flat=True).first()
        if may_email:
            _queue_email(pk, base_url)


def _set_interests_unless_active(email, topics):
    """Replace a non-active subscriber's topics; leave an active one's alone, in the same
    two statements either way."""
    changeable = Subscriber.objects.for_email(email).exclude(status=Subscriber.Status.ACTIVE)
    Interest.objects.filter(subscriber__in=changeable).delete()
    slugs = sorted(set(topics))
    # INSERT … SELECT: the database, not a Python branch, skips an active subscriber.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Interest._meta.db_table} (subscriber_id, topic_slug) "  # noqa: S608
            f"SELECT s.id, t.column1 FROM {Subscriber._meta.db_table} s "
            f"CROSS JOIN (VALUES {', '.join(['(%s)'] * len(slugs))}) t "
            "WHERE LOWER(s.email) = LOWER(%s) AND s.status <> %s",
            [*slugs, email, Subscriber.Status.ACTIVE],
        )


def _set_interests(subscriber, topics):
    with transaction.atomic():
        subscriber.interests.all().delete()
        Interest.objects.bulk_create(
            [Interest(subscriber=subscriber, topic_slug=slug) for slug in sorted(set(topics))]
        )


def request_manage_link(email, *, base_url=None):
    """Queue a "change your topics or leave" link for the address, if it is on the list.

    An active subscriber gets the link, a pending one the confirmation email again;
    unknown and unsubscribed addresses get nothing. The statements and the one task
    are the same in every case: the task finds nothing due for the latter.
    """
    email = normalise_email(email)
    if not ratelimit.allow(
        "newsletter-address", address_hash(email), settings.NEWSLETTER_RATE_PER_ADDRESS
    ):
        return
    this_address = Subscriber.objects.for_email(email)
    with transaction.atomic():
        this_address.filter(
            status__in=[Subscriber.Status.PENDING, Subscriber.Status.ACTIVE]
        ).update(
            confirmation_requested_at=timezone.now(),
            requested_by=Subscriber.Request.LINK,
            confirmation_attempts=0,
        )
        _queue_email(this_address.values_list("pk", flat=True).first(), base_url)


def _queue_email(subscriber_pk, base_url):
    """Queue the send once the row that asks for it is committed.

    After the commit, not inside it, so that a queue in another store (Redis) never
    runs the task before the row exists. A process killed between the commit and
    the enqueue leaves the row due with no task: the start-up sweep and the cron
    command (enqueue_due_emails) queue it then.
    """
    from people.tasks import send_subscriber_email

    transaction.on_commit(partial(send_subscriber_email.enqueue, subscriber_pk, base_url))


def send_due_email(subscriber_pk, *, base_url=None, worker_id=""):
    """Send the subscriber's due email, if any; returns "sent", "not due" or "failed".

    The row is claimed with a conditional UPDATE first, so two senders (two
    workers, or a task queued twice) never both send it. The claim is not
    "sent": a sender killed mid-send leaves the claim, which lapses after
    NEWSLETTER_SEND_LEASE, or at once when a worker starts again under the
    same id (enqueue_due_emails), and the email is due again.
    """
    if subscriber_pk is None:
        return "not due"
    claimed_at = timezone.now()
    claimed = (
        Subscriber.objects.emails_due()
        .free_to_send(now=claimed_at, lease=settings.NEWSLETTER_SEND_LEASE)
        .filter(pk=subscriber_pk)
        .update(sending_since=claimed_at, sending_worker=worker_id or "")
    )
    if not claimed:
        return "not due"
    subscriber = Subscriber.objects.filter(pk=subscriber_pk).first()
    if subscriber is None:  # erased a moment ago
        return "not due"
    ours = Subscriber.objects.filter(pk=subscriber_pk, sending_since=claimed_at)
    mailer = mail.mailers.default
    try:
        message = _message(subscriber, _kind_of_email(subscriber), base_url)
        mailer.open()
        mailer.send_messages([message])
    except Exception as error:
        log.warning("Newsletter email to subscriber %s failed: %s", subscriber.pk, error)
        ours.update(
            sending_since=None,
            sending_worker="",
            confirmation_failed_at=timezone.now(),
            confirmation_error=f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH],
            confirmation_attempts=F("confirmation_attempts") + 1,
        )
        _close_quietly(mailer)
        return "failed"
    # The one window no design closes: the server has accepted the message and this
    # UPDATE has not yet committed. A kill here leaves the claim, and once it lapses
    # the email goes again (the only way anyone gets two). So nothing runs in
    # between: the message was rendered and the connection opened before sending,
    # and the connection is closed (QUIT, which a slow server can stall) only after.
    # sent_at is the claim time, so a request that arrived mid-send is still due.
    ours.update(
        confirmation_sent_at=claimed_at,
        sending_since=None,
        sending_worker="",
        confirmation_attempts=0,
        confirmation_error="",
    )
    _close_quietly(mailer)
    return "sent"


def _close_quietly(mailer):
    try:
        mailer.close()
    except Exception as error:  # the message's fate is already recorded
        log.info("Closing the mail connection failed: %s", error)


def _kind_of_email(subscriber):
    """What the subscriber's state at sending time calls for."""
    if subscriber.status == Subscriber.Status.PENDING:
        return "confirm"
    if subscriber.requested_by == Subscriber.Request.LINK:
        return "manage"
    return "already_subscribed"


def enqueue_due_emails(*, max_attempts=10, worker_id=None):
    """Queue a send for every email still due that no live sender holds; returns the count.

    Run by `run_worker` as it starts, with its id: a worker runs one task at a time,
    so any claim still held under its own id was its earlier self's, killed mid-send,
    and is released at once rather than when the lease lapses. Also run by
    `send_pending_confirmations` from cron (which so retries failed sends). Queuing
    an email that is already queued is harmless: the claim lets only one task send it.
    """
    from people.tasks import send_subscriber_email

    if worker_id:
        Subscriber.objects.filter(sending_worker=worker_id, sending_since__isnull=False).update(
            sending_since=None, sending_worker=""
        )
    due = (
        Subscriber.objects.emails_due()
        .free_to_send(now=timezone.now(), lease=settings.NEWSLETTER_SEND_LEASE)
        .filter(confirmation_attempts__lt=max_attempts)
        .order_by("confirmation_requested_at")
        .values_list("pk", flat=True)
    )
    pks = list(due)
    for pk in pks:
        send_subscriber_email.enqueue(pk, None)
    return len(pks)


def confirm(subscriber):
    """Activate a pending subscriber; True if they are (now or already) subscribed."""
    if subscriber.status == Subscriber.Status.ACTIVE:
        return True
    now = timezone.now()
    with transaction.atomic():
        activated = Subscriber.objects.filter(
            pk=subscriber.pk, status=Subscriber.Status.PENDING
        ).update(
            status=Subscriber.Status.ACTIVE,
            confirmed_at=now,
            unsubscribed_at=None,
            # The confirmation reached their mailbox: refusals counted before start again.
            permanent_failures=0,
            bounced_at=None,
        )
        if activated:
            # Confirming from their own mailbox is a fresh, explicit consent, so an
            # erased person who signs up again is welcome back.
            SuppressedAddress.objects.filter(email_hash=address_hash(subscriber.email)).delete()
    subscriber.refresh_from_db()
    return subscriber.status == Subscriber.Status.ACTIVE


def unsubscribe(subscriber_pk):
    """Take a subscriber off the list; repeating it is harmless."""
    Subscriber.objects.filter(pk=subscriber_pk).exclude(
        status=Subscriber.Status.UNSUBSCRIBED
    ).update(status=Subscriber.Status.UNSUBSCRIBED, unsubscribed_at=timezone.now())


def update_preferences(subscriber, *, name, topics):
    """Change a subscriber's name and topics (from their emailed link)."""
    with transaction.atomic():
        subscriber.name = name
        subscriber.save(update_fields=["name"])
        _set_interests(subscriber, topics)


def erase(subscribers):
    """Delete each subscriber's data, keeping only a keyed hash of the address; returns count."""
    count = 0
    with transaction.atomic():
        for subscriber in subscribers:
            SuppressedAddress.objects.get_or_create(email_hash=address_hash(subscriber.email))
            subscriber.delete()
            count += 1
    return count


def is_suppressed(email):
    """Whether this address belongs to an erased person (for anything that adds addresses)."""
    return SuppressedAddress.objects.filter(email_hash=address_hash(email)).exists()


# Emails ---------------------------------------------------------------------

SUBJECTS = {
    "confirm": lambda: _("Confirm your subscription to the %(org)s newsletter"),
    "already_subscribed": lambda: _("You are already subscribed to the %(org)s newsletter"),
    "manage": lambda: _("Change your %(org)s newsletter topics or leave"),
}


class _UnfoldedHeader(str):
    """A header value the email package writes on one line, as it is.

    Python folds any header longer than 78 characters, and a URL has no space
    to fold at, so it RFC 2047-encodes the URL ("=?utf-8?q?=3Chttps…"), which
    mail clients do not decode in List-Unsubscribe: one-click would break.
    RFC 5322 allows lines up to 998 characters; ours are about 120.
    """

    def __new__(cls, name, value):
        if "\r" in value or "\n" in value or len(name) + len(value) > 990:
            raise ValueError(f"{name} header value must be a single short line")
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy):
        return f"{self.name}: {self}{policy.linesep}"


class _NewsletterEmail(EmailMultiAlternatives):
    def message(self, **kwargs):
        msg = super().message(**kwargs)
        for name in ("List-Unsubscribe",):
            if name in self.extra_headers:
                del msg[name]
                msg.set_raw(name, _UnfoldedHeader(name, self.extra_headers[name]))
        return msg


def _absolute(base_url, name, token):
    base = (base_url or settings.SITE_URL).rstrip("/")
    return base + reverse(name, kwargs={"token": token})


def _message(subscriber, kind, base_url):
    unsubscribe_token = tokens.make(tokens.UNSUBSCRIBE, subscriber.pk)
    one_click_url = _absolute(base_url, "people:newsletter-one-click", unsubscribe_token)
    context = {
        "subscriber": subscriber,
        "ORGANISATION_NAME": settings.ORGANISATION_NAME,
        "SITE_NAME": settings.SITE_NAME,
        "days_valid": settings.NEWSLETTER_CONFIRM_MAX_AGE // 86400,
        "unsubscribe_url": _absolute(base_url, "people:newsletter-unsubscribe", unsubscribe_token),
        "confirm_url": _absolute(
            base_url, "people:newsletter-confirm", tokens.make(tokens.CONFIRM, subscriber.pk)
        ),
        "manage_url": _absolute(
            base_url, "people:newsletter-manage", tokens.make(tokens.MANAGE, subscriber.pk)
        ),
    }
    message = _NewsletterEmail(
        subject=SUBJECTS[kind]() % {"org": settings.ORGANISATION_NAME},
        body=render_to_string(f"emails/newsletter_{kind}.txt", context),
        to=[subscriber.email],
        headers={
            # RFC 8058: mail clients may POST "List-Unsubscribe=One-Click" here.
            "List-Unsubscribe": f"<{one_click_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(
        render_to_string(f"emails/newsletter_{kind}.html", context), "text/html"
    )
    return message
