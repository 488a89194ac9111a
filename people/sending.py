"""Sending an issue: one delivery row per subscriber, sent in batches by the worker, once.

Starting an issue writes every delivery row in one transaction, before anything is
sent. The worker then runs `send_batch` as a chain of tasks, one batch each (so
confirmation emails queued meanwhile are not held up behind a long issue). Only the
task carrying the issue's current `batch_token` goes on: starting, resuming and a
worker's start-up each issue a new token, so one chain runs at a time.

Each delivery passes through three writes:

1. claim: `sending_since`/`sending_worker` set by a conditional UPDATE, so no two
   senders hold it;
2. hand-over: just before the message's content goes to the mail server (after the
   server accepted sender and recipient), `handed_over_at` is set by an UPDATE that
   also requires the subscriber still subscribed and the issue still sending, so an
   unsubscribe or a pause that commits before it stops the message;
3. outcome: "sent" only after the server answered 250 to the content; a 5xx is a
   permanent failure, a 4xx or a lost connection a temporary one, retried with back-off.

What survives a kill (SIGKILL, power cut) at any moment:
- killed before the hand-over: the server cannot have the message (SMTP delivers only
  after the final "."), so the claim is released and it is sent, once, later;
- killed after the hand-over, before the outcome is written: the server may or may
  not have taken it. We do not send it again by ourselves: it becomes "uncertain", and
  the admin shows how many. So no subscriber ever gets an issue twice; the price is
  that at most the one message in flight per killed worker may be missing, visibly.
The hand-over window is one round trip (DATA, the content, the reply); everything
else (rendering, connecting, MAIL and RCPT) happens before it.

Through a non-SMTP backend (the local .eml files, the test outbox) the hand-over is
written just before the backend's send, which is all those backends offer.
"""

import logging
import smtplib
import time
import uuid
from datetime import timedelta
from email import policy
from functools import partial

from django.conf import settings
from django.core import mail
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from flse_hub import freshness
from people import digest
from people.models import Delivery, NewsletterIssue, Subscriber

log = logging.getLogger(__name__)
MAX_ERROR_LENGTH = 2000
Status = Delivery.Status


class PermanentFailure(Exception):
    """The mail server refused the message for good (5xx)."""


class TemporaryFailure(Exception):
    """The mail server said try later (4xx), or could not be reached."""


class NotHandedOver(Exception):
    """The hand-over UPDATE found the subscriber gone or the issue no longer sending."""


class Uncertain(Exception):
    """The connection failed after the content was handed over: the server may have it."""


# Starting, pausing, resuming ---------------------------------------------------------


def start(issue):
    """Create a delivery for every matching subscriber and queue the first batch.

    Returns the number of deliveries, or None if the issue was not a draft (a double
    click, two managers at once): the conditional UPDATE lets one start win.
    """
    token = uuid.uuid4().hex
    with transaction.atomic():
        started = NewsletterIssue.objects.filter(
            pk=issue.pk, status=NewsletterIssue.Status.DRAFT
        ).update(
            status=NewsletterIssue.Status.SENDING, started_at=timezone.now(), batch_token=token
        )
        if not started:
            return None
        pks = digest.recipients(issue).order_by("pk").values_list("pk", flat=True)
        Delivery.objects.bulk_create(
            (Delivery(issue_id=issue.pk, subscriber_id=pk) for pk in pks.iterator()),
            batch_size=500,
            ignore_conflicts=True,
        )
        transaction.on_commit(partial(_queue_batch, issue.pk, token))
    return Delivery.objects.filter(issue_id=issue.pk).count()


def pause(issue):
    """Stop sending after the message now in flight; True if it was sending."""
    return bool(
        NewsletterIssue.objects.filter(pk=issue.pk, status=NewsletterIssue.Status.SENDING).update(
            status=NewsletterIssue.Status.PAUSED, batch_token=""
        )
    )


def resume(issue):
    """Carry on sending a paused issue; True if it was paused."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        resumed = NewsletterIssue.objects.filter(
            pk=issue.pk, status=NewsletterIssue.Status.PAUSED
        ).update(status=NewsletterIssue.Status.SENDING, batch_token=token)
        if resumed:
            transaction.on_commit(partial(_queue_batch, issue.pk, token))
    return bool(resumed)


def _queue_batch(issue_pk, token, run_after=None):
    from people.tasks import send_issue_batch

    task = send_issue_batch.using(run_after=run_after) if run_after else send_issue_batch
    task.enqueue(issue_pk, token)


def recover(worker_id):
    """At a worker's start: settle what its earlier self left mid-send, restart each
    sending issue's chain; returns how many issues were restarted."""
    if worker_id:
        _settle_abandoned(Delivery.objects.filter(sending_worker=worker_id))
    restarted = 0
    for pk in NewsletterIssue.objects.filter(status=NewsletterIssue.Status.SENDING).values_list(
        "pk", flat=True
    ):
        token = uuid.uuid4().hex
        if NewsletterIssue.objects.filter(pk=pk, status=NewsletterIssue.Status.SENDING).update(
            batch_token=token
        ):
            _queue_batch(pk, token)
            restarted += 1
    return restarted


def _settle_abandoned(deliveries):
    """Claims whose sender is dead: not handed over, due again; handed over, uncertain."""
    held = deliveries.filter(status=Status.QUEUED, sending_since__isnull=False)
    held.filter(handed_over_at__isnull=False).update(
        status=Status.UNCERTAIN,
        sending_since=None,
        sending_worker="",
        last_error="The worker stopped after handing the message to the mail server and "
        "before hearing whether it was accepted; not sent again, to avoid a duplicate.",
    )
    held.filter(handed_over_at__isnull=True).update(sending_since=None, sending_worker="")


# The batch ------------------------------------------------------------------------


def progress(issue):
    """{status: count} of the issue's deliveries, every status present; one query."""
    counts = dict.fromkeys(Status.values, 0)
    rows = Delivery.objects.filter(issue=issue).values_list("status").annotate(n=Count("pk"))
    counts.update(dict(rows))
    return counts


def send_batch(issue_pk, token, *, worker_id=""):
    """Send up to NEWSLETTER_BATCH_SIZE due deliveries, then queue the next batch or finish.

    Returns what it did, for the worker's log: "sent N", "stale", "finished", "waiting".
    """
    issue = NewsletterIssue.objects.filter(
        pk=issue_pk, status=NewsletterIssue.Status.SENDING, batch_token=token
    ).first()
    if issue is None or not token:
        return "stale"
    now = timezone.now()
    lease = settings.NEWSLETTER_SEND_LEASE
    queued = Delivery.objects.filter(issue=issue, status=Status.QUEUED)
    # Claims whose lease ran out belong to senders presumed dead.
    _settle_abandoned(queued.filter(sending_since__lt=now - lease))
    due = queued.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now), sending_since__isnull=True
    )
    pks = list(due.order_by("pk").values_list("pk", flat=True)[: settings.NEWSLETTER_BATCH_SIZE])
    claimed_at = timezone.now()
    Delivery.objects.filter(pk__in=pks, status=Status.QUEUED, sending_since__isnull=True).update(
        sending_since=claimed_at, sending_worker=worker_id
    )
    batch = list(
        Delivery.objects.filter(pk__in=pks, sending_since=claimed_at, sending_worker=worker_id)
        .select_related("subscriber")
        .prefetch_related("subscriber__interests")
        .order_by("pk")
    )
    sent = _send_all(issue, batch, claimed_at) if batch else 0
    return _next_step(issue, token, sent)


def _next_step(issue, token, sent):
    still = NewsletterIssue.objects.filter(
        pk=issue.pk, status=NewsletterIssue.Status.SENDING, batch_token=token
    )
    queued = Delivery.objects.filter(issue=issue, status=Status.QUEUED)
    if not queued.exists():
        with transaction.atomic():
            if still.update(status=NewsletterIssue.Status.SENT, sent_at=timezone.now()):
                # The issue's public page and the archive appear now.
                freshness.bump()
        return f"sent {sent}, finished"
    if not still.exists():
        return f"sent {sent}, paused"
    now = timezone.now()
    free = queued.filter(sending_since__isnull=True)
    if free.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).exists():
        _queue_batch(issue.pk, token)
        return f"sent {sent}"
    # Only retries not yet due, or rows another sender holds, remain: come back when the
    # first retry is due or the first claim's lease runs out, not in a busy loop.
    retry_at = (
        free.exclude(next_attempt_at=None)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    claimed_at = (
        queued.exclude(sending_since=None)
        .order_by("sending_since")
        .values_list("sending_since", flat=True)
        .first()
    )
    lease_ends = claimed_at + settings.NEWSLETTER_SEND_LEASE if claimed_at else None
    due_at = min(t for t in (retry_at, lease_ends) if t is not None)
    _queue_batch(issue.pk, token, run_after=max(due_at, now) + timedelta(seconds=1))
    return f"sent {sent}, waiting"


def _send_all(issue, batch, claimed_at):
    items = list(issue.items.all())
    shared = digest.shared_context()
    transport = Transport(mail.mailers.default)
    rate = settings.NEWSLETTER_SEND_PER_MINUTE / 60
    began = time.monotonic()
    sent = 0
    try:
        for n, delivery in enumerate(batch):
            if rate:
                # Spread the batch evenly: message n leaves no sooner than n / rate seconds.
                wait = began + n / rate - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            outcome = _send_one(transport, issue, items, shared, delivery, claimed_at)
            if outcome == "paused":
                # Hand the rest of the batch back, unsent, for the resumed chain.
                Delivery.objects.filter(
                    pk__in=[d.pk for d in batch[n:]], sending_since=claimed_at
                ).update(sending_since=None, sending_worker="")
                break
            sent += outcome == "sent"
    finally:
        transport.close()
    return sent


def _send_one(transport, issue, items, shared, delivery, claimed_at):
    ours = Delivery.objects.filter(pk=delivery.pk, sending_since=claimed_at)
    subscriber = delivery.subscriber
    posts = digest.matching(items, [i.topic_slug for i in subscriber.interests.all()])
    if not posts:
        ours.update(
            status=Status.SKIPPED,
            sending_since=None,
            last_error="Their topics changed: none of this issue's posts match them now.",
        )
        return "skipped"

    def hand_over():
        handed = ours.filter(
            subscriber__status=Subscriber.Status.ACTIVE,
            issue__status=NewsletterIssue.Status.SENDING,
        ).update(handed_over_at=timezone.now())
        if not handed:
            raise NotHandedOver

    try:
        message = digest.message(issue, posts, subscriber=subscriber, shared=shared)
        transport.send(message, hand_over)
    except NotHandedOver:
        if not NewsletterIssue.objects.filter(
            pk=issue.pk, status=NewsletterIssue.Status.SENDING
        ).exists():
            return "paused"
        ours.update(
            status=Status.SKIPPED,
            sending_since=None,
            last_error="Unsubscribed (or refused) before this issue reached them.",
        )
        return "skipped"
    except Uncertain as error:
        ours.update(
            status=Status.UNCERTAIN,
            sending_since=None,
            last_error=f"The connection failed after the message was handed over; not sent "
            f"again, to avoid a duplicate. {error}"[:MAX_ERROR_LENGTH],
        )
        return "uncertain"
    except PermanentFailure as error:
        _record_permanent_failure(ours, subscriber, error)
        return "failed"
    except (TemporaryFailure, OSError, smtplib.SMTPException) as error:
        _record_temporary_failure(ours, delivery, error)
        return "retry"
    except Exception as error:
        # A bug or a bad setting (a malformed DKIM key, say) must not stop the issue with
        # its rows claimed: this delivery waits for a retry, or is uncertain once handed
        # over (the server may have it), and the batch goes on.
        log.exception("Newsletter delivery %s: unexpected error", delivery.pk)
        if ours.exclude(handed_over_at=None).exists():
            ours.update(
                status=Status.UNCERTAIN,
                sending_since=None,
                last_error=f"Failed after being handed over; not sent again. {error!r}"[
                    :MAX_ERROR_LENGTH
                ],
            )
            return "uncertain"
        _record_temporary_failure(ours, delivery, error)
        return "retry"
    # The server has the message. Nothing runs between its reply and this UPDATE.
    ours.update(
        status=Status.SENT,
        sent_at=timezone.now(),
        sending_since=None,
        attempts=F("attempts") + 1,
        last_error="",
    )
    return "sent"


def _error_text(error):
    return f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]


def _record_permanent_failure(ours, subscriber, error):
    log.warning("Newsletter to subscriber %s refused for good: %s", subscriber.pk, error)
    with transaction.atomic():
        ours.update(
            status=Status.FAILED,
            sending_since=None,
            handed_over_at=None,
            attempts=F("attempts") + 1,
            last_error=_error_text(error),
        )
        record_permanent_failure(subscriber.pk)


def record_permanent_failure(subscriber_pk):
    """Count a permanent failure (a 5xx, a bounce report); at the configured number the
    address is suppressed: no newsletter goes to it again. True if now suppressed."""
    Subscriber.objects.filter(pk=subscriber_pk).update(
        permanent_failures=F("permanent_failures") + 1
    )
    return bool(
        Subscriber.objects.filter(
            pk=subscriber_pk,
            status__in=[Subscriber.Status.ACTIVE, Subscriber.Status.PENDING],
            permanent_failures__gte=settings.NEWSLETTER_MAX_PERMANENT_FAILURES,
        ).update(status=Subscriber.Status.BOUNCED, bounced_at=timezone.now())
    )


def _record_temporary_failure(ours, delivery, error):
    attempts = delivery.attempts + 1
    log.info("Newsletter delivery %s failed, attempt %s: %s", delivery.pk, attempts, error)
    if attempts >= settings.NEWSLETTER_MAX_ATTEMPTS:
        ours.update(
            status=Status.FAILED,
            sending_since=None,
            handed_over_at=None,
            attempts=attempts,
            last_error=f"Gave up after {attempts} attempts. {_error_text(error)}",
        )
        return
    ours.update(
        sending_since=None,
        sending_worker="",
        handed_over_at=None,
        attempts=attempts,
        next_attempt_at=timezone.now() + retry_delay(attempts),
        last_error=_error_text(error),
    )


def retry_delay(attempts):
    """Back-off after the `attempts`-th temporary failure: doubling from the base, capped."""
    base = settings.NEWSLETTER_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** (attempts - 1), 6 * 60 * 60))


# Talking to the mail server ---------------------------------------------------------


class Transport:
    """One connection for a batch. Through Django's SMTP backend it speaks SMTP step by
    step, to write the hand-over between RCPT and DATA and to tell 4xx from 5xx;
    through any other backend it calls the backend."""

    def __init__(self, mailer):
        self.mailer = mailer
        self.smtp = isinstance(mailer, SmtpBackend)

    def send(self, message, hand_over):
        if not self.smtp:
            hand_over()
            self.mailer.send_messages([message])
            return
        data = sign(message.message(policy=policy.SMTP).as_bytes())
        sender = self.mailer.prep_address(message.from_email)
        recipients = [self.mailer.prep_address(a) for a in message.recipients()]
        if not self.mailer.connection:
            self.mailer.open()
        connection = self.mailer.connection
        try:
            connection.ehlo_or_helo_if_needed()
            # A refused sender is the server's view of us, not of the subscriber's address:
            # never counted against them (retried, then given up).
            code, reply = connection.mail(sender)
            if code >= 400:
                raise TemporaryFailure(f"MAIL FROM refused: {code} {reply!r}")
            for recipient in recipients:
                _check(*connection.rcpt(recipient))
            hand_over()
            try:
                code, reply = connection.data(data)
            except smtplib.SMTPDataError as error:  # refused the DATA command itself
                code, reply = error.smtp_code, error.smtp_error
            except (OSError, smtplib.SMTPException) as error:
                self.close()
                raise Uncertain(_error_text(error)) from error
            _check(code, reply)
        except (PermanentFailure, TemporaryFailure, NotHandedOver):
            self._reset()
            raise
        except (OSError, smtplib.SMTPException):
            self.close()
            raise

    def _reset(self):
        try:
            self.mailer.connection.rset()
        except (OSError, smtplib.SMTPException, AttributeError):
            self.close()

    def close(self):
        try:
            self.mailer.close()
        except Exception as error:  # every outcome is already recorded
            log.info("Closing the mail connection failed: %s", error)


def _check(code, reply):
    if 200 <= code < 300:
        return
    text = f"{code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
    if 500 <= code < 600:
        raise PermanentFailure(text)
    raise TemporaryFailure(text)


def sign(data):
    """The message with a DKIM-Signature, when NEWSLETTER_DKIM_* are set; else as it is."""
    key = settings.NEWSLETTER_DKIM_PRIVATE_KEY
    if not key:
        return data
    import dkim

    signature = dkim.sign(
        data,
        settings.NEWSLETTER_DKIM_SELECTOR.encode(),
        settings.NEWSLETTER_DKIM_DOMAIN.encode(),
        key.encode(),
        include_headers=[
            b"from",
            b"to",
            b"subject",
            b"date",
            b"message-id",
            b"mime-version",
            b"content-type",
            b"list-unsubscribe",
            b"list-unsubscribe-post",
        ],
    )
    return signature + data
