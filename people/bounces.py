"""Bounces and complaints reported by a mail provider, through django-anymail's webhooks.

Anymail turns each provider's webhook into one normalised tracking event; this module
only decides what the event means for the address. Postmark's webhook is mounted
(people.urls), behind HTTP basic auth with NEWSLETTER_WEBHOOK_SECRET; another
provider's is one more URL with its anymail view. Through a plain SMTP server the
signal is the server's own refusal (a 5xx, people.sending).

- bounced: a permanent failure, counted; at NEWSLETTER_MAX_PERMANENT_FAILURES the
  address is no longer sent to (as for a 5xx);
- rejected (the provider will not send to it: invalid, blocked, on its suppression
  list): suppressed at once;
- complained (marked as spam) or unsubscribed at the provider: taken off the list at
  once, as if they had used the unsubscribe link.
"""

import logging

from anymail.signals import EventType
from django.utils import timezone

from people import sending, services
from people.models import Subscriber

log = logging.getLogger(__name__)


def record(event_type, address):
    """Apply one provider event to the subscriber with `address`; returns what was done."""
    subscriber = Subscriber.objects.for_email(address or "").first()
    if subscriber is None:
        return "unknown address"
    if event_type == EventType.BOUNCED:
        return "suppressed" if sending.record_permanent_failure(subscriber.pk) else "counted"
    if event_type == EventType.REJECTED:
        Subscriber.objects.filter(pk=subscriber.pk).exclude(
            status=Subscriber.Status.UNSUBSCRIBED
        ).update(
            status=Subscriber.Status.BOUNCED, bounced_at=subscriber.bounced_at or timezone.now()
        )
        return "suppressed"
    if event_type in (EventType.COMPLAINED, EventType.UNSUBSCRIBED):
        services.unsubscribe(subscriber.pk)
        return "unsubscribed"
    return "ignored"


def on_tracking_event(sender, event, esp_name, **kwargs):
    """anymail's `tracking` signal: a thin adapter onto record()."""
    outcome = record(event.event_type, event.recipient)
    log.info("%s %s event: %s", esp_name, event.event_type, outcome)
