"""The newsletter's writes: signup, confirmation emails, confirm, leave, erase.

Rows are written before any email is sent, and mail is only sent outside a
transaction, so a slow or broken mail server never holds a database lock and
never loses a signup: a failed send is recorded on the row and
`manage.py send_pending_confirmations` retries it.
"""

import logging
from contextlib import nullcontext

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
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
    """Record a signup and send the email it calls for.

    The caller shows the same answer whatever happened here, so nobody can
    learn whether an address is on the list: the only difference is the email
    that the address's owner receives (a confirmation link, or for an active
    subscriber a note with a link to change topics or leave).
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
    # The email is claimed (sent_at = requested_at) by the same statement that
    # saves the row; delivery happens after it is committed.
    claim = {"confirmation_requested_at": now, "confirmation_sent_at": now} if may_email else {}
    subscriber, created = _get_or_insert(email, name=name, **claim, **consent_record)
    previous_sent_at = None
    if not created and subscriber.status != Subscriber.Status.ACTIVE:
        # Pending: the latest submission is the consent on record.
        # Unsubscribed: this is a fresh consent, confirmed afresh.
        previous_sent_at = subscriber.confirmation_sent_at
        changes = {
            **consent_record,
            **claim,
            "status": Subscriber.Status.PENDING,
            "confirmed_at": None,
            **({"name": name} if name else {}),
            **({"confirmation_attempts": 0} if claim else {}),
        }
        # One conditional UPDATE: if they confirmed a moment ago, leave them be.
        if (
            Subscriber.objects.filter(pk=subscriber.pk)
            .exclude(status=Subscriber.Status.ACTIVE)
            .update(**changes)
        ):
            for field, value in changes.items():
                setattr(subscriber, field, value)
        else:
            subscriber.refresh_from_db()
    if subscriber.status == Subscriber.Status.ACTIVE:
        # Nothing changes: knowing someone's address must not let a stranger edit
        # their name or topics. The owner is emailed a link to do it.
        if may_email:
            _send_best_effort(subscriber, "already_subscribed", base_url)
        return
    if topics:
        _set_interests(subscriber, topics)
    if claim:
        _deliver_confirmation(subscriber, now, previous_sent_at, base_url)


def _get_or_insert(email, **fields):
    """(subscriber, created) for `email`, in single statements.

    No transaction spans the lookup and the insert: each statement holds
    SQLite's write lock only while it runs, which keeps signups flowing when
    many arrive at once. Two signups of one address can both miss the lookup;
    the database's unique constraint stops the second insert, which then reads
    the winner's row.
    """
    existing = Subscriber.objects.for_email(email).first()
    if existing is not None:
        return existing, False
    # A savepoint only when called inside a transaction (as in tests), so the
    # caught IntegrityError does not poison it.
    guard = transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()
    try:
        with guard:
            return Subscriber.objects.create(email=email, **fields), True
    except IntegrityError:
        return Subscriber.objects.for_email(email).get(), False


def _set_interests(subscriber, topics):
    with transaction.atomic():
        subscriber.interests.all().delete()
        Interest.objects.bulk_create(
            [Interest(subscriber=subscriber, topic_slug=slug) for slug in sorted(set(topics))]
        )


def request_manage_link(email, *, base_url=None):
    """Email a "change your topics or leave" link if the address is on the list.

    Unknown and unsubscribed addresses get nothing, but the caller's answer is
    the same. A pending subscriber is sent the confirmation email again.
    """
    email = normalise_email(email)
    if not ratelimit.allow(
        "newsletter-address", address_hash(email), settings.NEWSLETTER_RATE_PER_ADDRESS
    ):
        return
    subscriber = Subscriber.objects.for_email(email).first()
    if subscriber is None or subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        return
    if subscriber.status == Subscriber.Status.ACTIVE:
        _send_best_effort(subscriber, "manage", base_url)
        return
    Subscriber.objects.filter(pk=subscriber.pk).update(
        confirmation_requested_at=timezone.now(), confirmation_attempts=0
    )
    send_confirmation(subscriber.pk, base_url=base_url)


def send_confirmation(subscriber_pk, *, base_url=None):
    """Send the confirmation email if one is due; record a failure. True if sent.

    The row is claimed with a conditional UPDATE first, so two senders (a
    request and the cron command) never both send it.
    """
    subscriber = Subscriber.objects.filter(pk=subscriber_pk).first()
    if subscriber is None or not subscriber.confirmation_due:
        return False
    previous_sent_at = subscriber.confirmation_sent_at
    claimed_at = timezone.now()
    claimed = (
        Subscriber.objects.awaiting_confirmation_email()
        .filter(pk=subscriber_pk)
        .update(confirmation_sent_at=claimed_at)
    )
    if not claimed:
        return False
    return _deliver_confirmation(subscriber, claimed_at, previous_sent_at, base_url)


def _deliver_confirmation(subscriber, claimed_at, previous_sent_at, base_url):
    """Send a claimed confirmation email; on failure, record it and release the claim."""
    try:
        _send(subscriber, "confirm", base_url)
    except Exception as error:
        log.warning("Confirmation email to subscriber %s failed: %s", subscriber.pk, error)
        Subscriber.objects.filter(pk=subscriber.pk, confirmation_sent_at=claimed_at).update(
            confirmation_sent_at=previous_sent_at,
            confirmation_failed_at=timezone.now(),
            confirmation_error=f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH],
            confirmation_attempts=F("confirmation_attempts") + 1,
        )
        return False
    return True


def send_pending_confirmations(*, max_attempts=10, base_url=None):
    """Send every confirmation email still due (never sent, or failed); returns (sent, failed)."""
    due = (
        Subscriber.objects.awaiting_confirmation_email()
        .filter(confirmation_attempts__lt=max_attempts)
        .order_by("confirmation_requested_at")
        .values_list("pk", flat=True)
    )
    sent = failed = 0
    for pk in list(due):
        if send_confirmation(pk, base_url=base_url):
            sent += 1
        elif Subscriber.objects.filter(pk=pk).awaiting_confirmation_email().exists():
            failed += 1
    return sent, failed


def confirm(subscriber):
    """Activate a pending subscriber; True if they are (now or already) subscribed."""
    if subscriber.status == Subscriber.Status.ACTIVE:
        return True
    now = timezone.now()
    with transaction.atomic():
        activated = Subscriber.objects.filter(
            pk=subscriber.pk, status=Subscriber.Status.PENDING
        ).update(status=Subscriber.Status.ACTIVE, confirmed_at=now, unsubscribed_at=None)
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


def _send(subscriber, kind, base_url):
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
    message.send()


def _send_best_effort(subscriber, kind, base_url):
    """Send a courtesy email; its loss is logged, as the person can ask again."""
    try:
        _send(subscriber, kind, base_url)
    except Exception as error:
        log.warning("Newsletter %s email to subscriber %s failed: %s", kind, subscriber.pk, error)
