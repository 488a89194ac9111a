"""Sending an issue through a real SMTP server (aiosmtpd on loopback): permanent and
temporary failures, suppression, DKIM, and a real worker killed mid-batch."""

import asyncio
import base64
import shutil
import signal
import subprocess
import threading
from collections import Counter, defaultdict
from datetime import timedelta
from email import message_from_bytes, policy

import dkim
import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from flse_hub.env import mailers_from_url
from people import digest, sending
from people.models import Delivery, NewsletterIssue, Subscriber
from tests.factories import make_post
from tests.people.test_newsletter_issues import issue_of, subscriber
from tests.people.test_worker_killed import _free_port, _worker


class ScriptedMailbox:
    """Accepts mail, except that an address may be given replies to use first, in order,
    at RCPT ("rcpt") or after the content ("data"). Optionally stalls, inside DATA after
    the content has arrived, on the Nth message until `gate` opens."""

    def __init__(self):
        self.replies = defaultdict(list)
        self.received = []  # (address, message bytes), in order
        self.stall_at = None
        self.stalled = threading.Event()
        self.gate = threading.Event()

    def reset(self):
        self.replies.clear()
        self.received.clear()
        self.stall_at = None
        self.stalled.clear()
        self.gate.clear()

    def _scripted(self, address, stage):
        for n, (when, reply) in enumerate(self.replies[address]):
            if when == stage:
                del self.replies[address][n]
                return reply
        return None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if reply := self._scripted(address, "rcpt"):
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        [address] = envelope.rcpt_tos
        if reply := self._scripted(address, "data"):
            return reply
        self.received.append((address, envelope.original_content))
        if self.stall_at is not None and len(self.received) == self.stall_at:
            # The server has the message and has not said so yet: the worst moment to die.
            self.stalled.set()
            await asyncio.get_running_loop().run_in_executor(None, self.gate.wait)
        return "250 Message accepted for delivery"


@pytest.fixture(scope="session")
def smtp_server():
    mailbox = ScriptedMailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    mailbox.gate.set()
    controller.stop()


@pytest.fixture
def mailbox(smtp_server, settings):
    mailbox, port = smtp_server
    mailbox.reset()
    settings.MAILERS = mailers_from_url(f"smtp://127.0.0.1:{port}?timeout=10")
    settings.NEWSLETTER_SEND_PER_MINUTE = 0
    settings.SITE_URL = "https://hub.example.org"
    yield mailbox
    mailbox.gate.set()


def started(*addresses):
    for address in addresses:
        subscriber(address)
    issue = issue_of(make_post("Post about housing"))
    sending.start(issue)
    issue.refresh_from_db()
    return issue


def delivery_to(address):
    return Delivery.objects.get(subscriber__email=address)


@pytest.mark.django_db
def test_a_permanent_refusal_is_recorded_and_enough_of_them_suppress_the_address(mailbox, settings):
    settings.NEWSLETTER_MAX_PERMANENT_FAILURES = 2
    mailbox.replies["gone@example.org"] = [("rcpt", "550 5.1.1 No such user")]
    mailbox.replies["full@example.org"] = [("data", "552 5.2.2 Mailbox full")]
    issue = started("gone@example.org", "full@example.org", "fine@example.org")

    assert sending.send_batch(issue.pk, issue.batch_token) == "sent 1, finished"

    assert [address for address, _ in mailbox.received] == ["fine@example.org"]
    for address, reply in [("gone@example.org", "550"), ("full@example.org", "552")]:
        failed = delivery_to(address)
        assert failed.status == Delivery.Status.FAILED
        assert failed.last_error.startswith(f"PermanentFailure: {reply}")
        assert failed.handed_over_at is None
        person = Subscriber.objects.get(email=address)
        assert (person.permanent_failures, person.status) == (1, Subscriber.Status.ACTIVE)

    # A second refusal reaches the limit: the address is no longer sent to.
    assert sending.record_permanent_failure(Subscriber.objects.get(email="gone@example.org").pk)
    gone = Subscriber.objects.get(email="gone@example.org")
    assert gone.status == Subscriber.Status.BOUNCED and gone.bounced_at
    next_issue = issue_of(make_post("Post about more"), subject="Next")
    assert "gone@example.org" not in {s.email for s in digest.recipients(next_issue)}


@pytest.mark.django_db
def test_a_temporary_failure_is_retried_later_with_growing_delays(mailbox, settings):
    settings.NEWSLETTER_MAX_ATTEMPTS = 3
    mailbox.replies["busy@example.org"] = [
        ("rcpt", "451 4.7.1 Try again later"),
        ("data", "452 4.3.1 Insufficient storage"),
    ]
    issue = started("busy@example.org")

    assert sending.send_batch(issue.pk, issue.batch_token) == "sent 0, waiting"
    waiting = delivery_to("busy@example.org")
    assert waiting.status == Delivery.Status.QUEUED and waiting.attempts == 1
    assert waiting.last_error.startswith("TemporaryFailure: 451")
    assert waiting.sending_since is None  # the claim is released for the retry
    assert waiting.next_attempt_at > timezone.now() + sending.retry_delay(1) - timedelta(minutes=1)
    # Not due yet: a batch now sends nothing.
    assert sending.send_batch(issue.pk, issue.batch_token) == "sent 0, waiting"
    assert mailbox.received == []

    assert sending.retry_delay(2) == 2 * sending.retry_delay(1)
    Delivery.objects.update(next_attempt_at=None)
    sending.send_batch(issue.pk, issue.batch_token)
    assert delivery_to("busy@example.org").attempts == 2
    Delivery.objects.update(next_attempt_at=None)
    assert sending.send_batch(issue.pk, issue.batch_token) == "sent 1, finished"
    assert [address for address, _ in mailbox.received] == ["busy@example.org"]
    assert delivery_to("busy@example.org").status == Delivery.Status.SENT


@pytest.mark.django_db
def test_temporary_failures_give_up_after_the_configured_attempts(mailbox, settings):
    settings.NEWSLETTER_MAX_ATTEMPTS = 1
    mailbox.replies["busy@example.org"] = [("rcpt", "421 4.3.2 Shutting down")]
    issue = started("busy@example.org")

    assert sending.send_batch(issue.pk, issue.batch_token) == "sent 0, finished"
    failed = delivery_to("busy@example.org")
    assert failed.status == Delivery.Status.FAILED
    assert failed.last_error.startswith("Gave up after 1 attempts.")
    # A temporary failure is not the address's fault: it is not counted against it.
    assert Subscriber.objects.get(email="busy@example.org").permanent_failures == 0


@pytest.mark.django_db
def test_an_unexpected_error_fails_its_delivery_and_never_stalls_the_issue(mailbox, settings):
    # A malformed DKIM key raises inside dkimpy, not as a mail error: each delivery is
    # retried and then given up, and the issue finishes instead of waiting with its rows
    # claimed until a worker restarts.
    settings.NEWSLETTER_DKIM_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nnot a key\n"
    settings.NEWSLETTER_DKIM_SELECTOR = "hub2026"
    settings.NEWSLETTER_DKIM_DOMAIN = "example.org"
    settings.NEWSLETTER_MAX_ATTEMPTS = 1
    issue = started("one@example.org", "two@example.org")

    assert sending.send_batch(issue.pk, issue.batch_token) == "sent 0, finished"
    assert mailbox.received == []
    for address in ("one@example.org", "two@example.org"):
        failed = delivery_to(address)
        assert failed.status == Delivery.Status.FAILED and failed.sending_since is None
        assert failed.last_error.startswith("Gave up after 1 attempts.")
        assert Subscriber.objects.get(email=address).permanent_failures == 0


@pytest.mark.django_db
def test_issues_are_dkim_signed_when_a_key_is_configured(mailbox, settings):
    # A fresh key pair, as an organisation would make one (openssl is on every server).
    openssl = shutil.which("openssl")
    private = subprocess.run([openssl, "genrsa", "2048"], capture_output=True, check=True).stdout
    public = subprocess.run(
        [openssl, "rsa", "-pubout", "-outform", "DER"],
        input=private,
        capture_output=True,
        check=True,
    ).stdout
    settings.NEWSLETTER_DKIM_PRIVATE_KEY = private.decode()
    settings.NEWSLETTER_DKIM_SELECTOR = "hub2026"
    settings.NEWSLETTER_DKIM_DOMAIN = "example.org"
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dns(name, timeout=5):
        return record if name == b"hub2026._domainkey.example.org." else None

    issue = started("reader@example.org")
    sending.send_batch(issue.pk, issue.batch_token)

    [(_, data)] = mailbox.received
    assert dkim.verify(data, dnsfunc=dns)
    signature = message_from_bytes(data, policy=policy.default)["DKIM-Signature"]
    assert "d=example.org" in signature and "list-unsubscribe" in signature.lower()
    # Changing a signed header breaks the signature: it is really checked.
    assert not dkim.verify(data.replace(b"Subject: Learning", b"Subject: Earning"), dnsfunc=dns)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_resumes_and_nobody_gets_the_issue_twice(mailbox):
    """The worker is killed while the server holds the third message's reply: the server
    has that message, the worker never heard. The first two are sent and recorded; the
    rest of the batch was claimed, not handed over. On restart every other delivery
    goes once, and the third is "uncertain", not sent again."""
    addresses = [f"reader{n}@example.org" for n in range(8)]
    mailbox.stall_at = 3
    issue = started(*addresses)
    env = {"NEWSLETTER_SEND_PER_MINUTE": "0", "NEWSLETTER_BATCH_SIZE": "5"}
    port = int(__import__("django").conf.settings.MAILERS["default"]["OPTIONS"]["port"])

    worker = _worker(port, env=env)
    try:
        assert mailbox.stalled.wait(timeout=60), "the worker never reached the third message"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        mailbox.gate.set()

        counts = Counter(d.status for d in Delivery.objects.all())
        assert counts == {Delivery.Status.SENT: 2, Delivery.Status.QUEUED: 6}
        held = Delivery.objects.filter(sending_since__isnull=False)
        assert held.count() == 3  # the third and the two after it in the batch of five
        assert held.filter(handed_over_at__isnull=False).count() == 1

        worker = _worker(port, "--batch", env=env)
        output, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0, output
        assert "Queued again at start: 1 newsletter issues." in output
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    assert Counter(address for address, _ in mailbox.received) == dict.fromkeys(addresses, 1)
    statuses = {d.subscriber.email: d.status for d in Delivery.objects.select_related("subscriber")}
    assert statuses.pop("reader2@example.org") == Delivery.Status.UNCERTAIN
    assert set(statuses.values()) == {Delivery.Status.SENT}
    issue.refresh_from_db()
    assert issue.status == NewsletterIssue.Status.SENT
