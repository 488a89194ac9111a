"""Newsletter emails leave the request: rows say what is due, the worker sends it.

The public forms must not reveal whether an address is on the list, in their
answer or in their work; a mail server that stalls must not hold a request; and
a worker killed mid-send must neither lose an email nor send one twice.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from people import consent, services
from people.models import Subscriber
from tests.factories import make_topic
from tests.people.helpers import last_email_to, link_in, run_worker, sign_up

pytestmark = pytest.mark.django_db

STATES = ["unknown", "pending", "active", "unsubscribed", "erased"]


def _put_in_state(client, state, address):
    """Leave `address` in `state`, with every email of the set-up already sent."""
    if state == "unknown":
        return
    sign_up(client, address)
    if state == "active":
        client.post(link_in(last_email_to(address), "confirm"))
    elif state == "unsubscribed":
        client.post(link_in(last_email_to(address), "unsubscribe"))
    elif state == "erased":
        services.erase(Subscriber.objects.for_email(address))


def _measure(client, url, data):
    """(statement kinds in order, tasks queued, emails sent) for one request and its commit."""
    tasks_before = DBTaskResult.objects.count()
    outbox_before = len(mail.outbox)
    # The enqueue runs on commit: inside the capture, as it is part of the request's work.
    with (
        CaptureQueriesContext(connection) as queries,
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("people:newsletter-check-email")
    kinds = [q["sql"].split(None, 1)[0].upper() for q in queries.captured_queries]
    return kinds, DBTaskResult.objects.count() - tasks_before, len(mail.outbox) - outbox_before


@pytest.mark.parametrize("form", ["signup", "manage-link"])
def test_both_forms_do_the_same_work_in_every_state_and_send_nothing(client, form):
    make_topic("Housing")
    seen = {}
    for state in STATES:
        address = f"{state}@example.org"
        _put_in_state(client, state, address)
        if form == "signup":
            url = reverse("people:newsletter")
            data = {
                "email": address,
                "consent_version": consent.CURRENT_VERSION,
                "source": "/",
                "topics": ["housing"],
            }
        else:
            url = reverse("people:newsletter-manage-request")
            data = {"manage-email": address}
        kinds, queued, sent = _measure(client, url, data)
        assert queued == 1, state  # exactly one task, whatever the state
        assert sent == 0, state  # the request never talks to the mail server
        seen[state] = kinds
    assert len({tuple(kinds) for kinds in seen.values()}) == 1, seen


def test_the_task_decides_what_each_owner_receives(client):
    make_topic("Housing")
    for state in STATES:
        _put_in_state(client, state, f"{state}@example.org")
    mail.outbox.clear()
    url = reverse("people:newsletter-manage-request")
    for state in STATES:
        client.post(url, {"manage-email": f"{state}@example.org"})
    run_worker()
    received = {m.to[0]: m.subject for m in mail.outbox}
    assert set(received) == {"pending@example.org", "active@example.org"}
    assert "Confirm" in received["pending@example.org"]
    assert "Change your" in received["active@example.org"]

    mail.outbox.clear()
    for state in STATES:
        sign_up(client, f"{state}@example.org", worker=False)
    assert mail.outbox == []
    run_worker()
    received = {m.to[0]: m.subject for m in mail.outbox}
    assert "already subscribed" in received.pop("active@example.org")
    assert all("Confirm" in subject for subject in received.values())
    assert set(received) == {f"{s}@example.org" for s in STATES if s != "active"}
    # An active subscriber's topics and name were not touched by the stranger's signup.
    assert not Subscriber.objects.get(email="active@example.org").interests.exists()


def test_leaving_before_the_worker_runs_means_no_email(client):
    sign_up(client, "wren@example.org", worker=False)
    Subscriber.objects.update(status=Subscriber.Status.UNSUBSCRIBED)
    run_worker()
    assert mail.outbox == []


def test_a_task_queued_twice_sends_once(client):
    sign_up(client, "yann@example.org", worker=False)
    pk = Subscriber.objects.get().pk
    for _ in range(3):
        services.send_due_email(pk)
    assert [m.to for m in mail.outbox] == [["yann@example.org"]]


def test_a_live_claim_is_left_alone_and_a_lapsed_or_own_claim_is_queued_again(client, settings):
    settings.NEWSLETTER_SEND_LEASE = timedelta(minutes=15)
    for name in ("live", "lapsed", "mine"):
        sign_up(client, f"{name}@example.org", worker=False)
    DBTaskResult.objects.all().delete()  # as if the tasks were lost with their worker
    now = timezone.now()
    claims = {
        "live": (now - timedelta(minutes=1), "worker-b"),
        "lapsed": (now - timedelta(minutes=16), "worker-b"),
        "mine": (now - timedelta(minutes=1), "worker-a"),
    }
    for name, (since, worker) in claims.items():
        Subscriber.objects.filter(email=f"{name}@example.org").update(
            sending_since=since, sending_worker=worker
        )
    assert services.enqueue_due_emails(worker_id="worker-a") == 2
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == ["lapsed@example.org", "mine@example.org"]
    # Without the worker's own id (the cron command), only the lapsed claim was free.
    assert services.enqueue_due_emails() == 0
