"""Bounces and complaints from a mail provider (Postmark's webhook, through anymail)."""

import base64
import json

import pytest
from django.urls import reverse

from people import services
from people.models import Subscriber
from tests.people.test_newsletter_issues import subscriber

pytestmark = pytest.mark.django_db

URL = reverse("people:newsletter-provider-webhook")
SECRET = "postmark:a-long-random-secret"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    settings.NEWSLETTER_MAX_PERMANENT_FAILURES = 2


def post(client, event, auth=SECRET):
    headers = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(auth.encode()).decode()}
    return client.post(URL, json.dumps(event), content_type="application/json", **headers)


def bounce(address, kind="HardBounce"):
    # The shape of Postmark's bounce webhook (its documentation's example, trimmed).
    return {
        "RecordType": "Bounce",
        "ID": 42,
        "Type": kind,
        "TypeCode": 1,
        "Email": address,
        "BouncedAt": "2026-11-29T10:00:00Z",
        "Description": "The server was unable to deliver your message",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    }


def status(address):
    return Subscriber.objects.get(email=address).status


def test_bounces_count_and_suppress_at_the_limit_complaints_unsubscribe_at_once(client):
    subscriber("bouncy@example.org")
    subscriber("angry@example.org")

    assert post(client, bounce("Bouncy@example.org")).status_code == 200
    assert status("bouncy@example.org") == Subscriber.Status.ACTIVE
    assert post(client, bounce("bouncy@example.org")).status_code == 200
    assert status("bouncy@example.org") == Subscriber.Status.BOUNCED

    complaint = {**bounce("angry@example.org", "SpamComplaint"), "RecordType": "SpamComplaint"}
    assert post(client, complaint).status_code == 200
    assert status("angry@example.org") == Subscriber.Status.UNSUBSCRIBED


def test_a_bounced_address_that_confirms_again_starts_with_no_refusals_held_against_it(client):
    subscriber("bouncy@example.org")
    for _ in range(2):
        assert post(client, bounce("bouncy@example.org")).status_code == 200
    assert status("bouncy@example.org") == Subscriber.Status.BOUNCED

    # They sign up again and confirm from their mailbox, which works again.
    services.signup("bouncy@example.org", base_url="http://testserver")
    assert services.confirm(Subscriber.objects.get(email="bouncy@example.org"))
    person = Subscriber.objects.get(email="bouncy@example.org")
    assert (person.status, person.permanent_failures, person.bounced_at) == (
        Subscriber.Status.ACTIVE,
        0,
        None,
    )
    # One later bounce is one refusal, not the last straw.
    assert post(client, bounce("bouncy@example.org")).status_code == 200
    assert status("bouncy@example.org") == Subscriber.Status.ACTIVE


def test_a_provider_block_suppresses_at_once_and_unknown_addresses_are_ignored(client):
    subscriber("blocked@example.org")
    assert post(client, bounce("blocked@example.org", "BadEmailAddress")).status_code == 200
    assert status("blocked@example.org") == Subscriber.Status.BOUNCED
    assert post(client, bounce("stranger@example.org")).status_code == 200
    assert not Subscriber.objects.filter(email="stranger@example.org").exists()


def test_the_webhook_needs_its_secret_and_is_off_without_one(client, settings):
    subscriber("reader@example.org")
    assert post(client, bounce("reader@example.org"), auth="postmark:guess").status_code == 400
    assert client.post(URL, "{}", content_type="application/json").status_code == 400
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    assert post(client, bounce("reader@example.org"), auth=":").status_code == 404
    reader = Subscriber.objects.get(email="reader@example.org")
    assert (reader.status, reader.permanent_failures) == (Subscriber.Status.ACTIVE, 0)
