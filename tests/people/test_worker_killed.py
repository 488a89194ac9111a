"""A real worker, killed with SIGKILL while a mail server holds its send, loses nothing
and sends nobody two emails once it is started again.

The mail server is aiosmtpd on loopback, which we control: it accepts the
connection and, until told, does not answer the first recipient. The worker is
`manage.py run_worker` in its own process, on the test database.
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from people.models import Subscriber
from tests.people.helpers import sign_up

ROOT = Path(__file__).resolve().parents[2]
ADDRESSES = [f"reader{n}@example.org" for n in range(4)]


class GatedMailbox:
    """An SMTP handler that stalls every recipient until `gate` opens, then accepts mail."""

    def __init__(self):
        self.gate = threading.Event()
        self.stalled = threading.Event()
        self.received = []
        self.delivered = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.gate.is_set():
            self.stalled.set()
            await asyncio.get_running_loop().run_in_executor(None, self.gate.wait)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.extend(envelope.rcpt_tos)
        self.delivered.set()
        return "250 Message accepted for delivery"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url():
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user, password = quote(db["USER"] or "", safe=""), quote(db["PASSWORD"] or "", safe="")
    host = quote(db["HOST"] or "127.0.0.1", safe="")  # a socket folder needs quoting too
    return f"postgres://{user}:{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker(smtp_port, *extra, env=None):
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}?timeout=60",
        "DJANGO_DEBUG": "false",
        "DJANGO_SITE_URL": "http://testserver",
        "FLSE_VAR_DIR": str(settings.VAR_DIR),
        **(env or {}),
    }
    command = [sys.executable, "manage.py", "run_worker", "--worker-id=test-worker-1"]
    command += ["--no-startup-delay", "--no-reload", "--interval=0.05", *extra]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_leaves_the_email_due_and_its_restart_sends_each_once(
    client,
):
    mailbox = GatedMailbox()
    port = _free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    worker = None
    try:
        for address in ADDRESSES:
            assert sign_up(client, address, worker=False).status_code == 302

        worker = _worker(port)
        assert mailbox.stalled.wait(timeout=60), "the worker never reached the mail server"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)

        # The killed send was claimed, not recorded as sent: the row still says it is due.
        held = Subscriber.objects.get(sending_worker="test-worker-1")
        assert held.confirmation_sent_at is None
        assert held.confirmation_due
        assert mailbox.received == []

        mailbox.gate.set()
        worker = _worker(port, "--batch")
        output, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0, output
        # All four are queued again (three still had their first task waiting too):
        # queuing twice must not mean sending twice.
        assert f"Queued again at start: {len(ADDRESSES)} newsletter emails." in output

        assert Counter(mailbox.received) == dict.fromkeys(ADDRESSES, 1)
        for subscriber in Subscriber.objects.all():
            assert not subscriber.confirmation_due
            assert subscriber.confirmation_sent_at is not None
            assert subscriber.sending_since is None
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait()
        mailbox.gate.set()
        smtp.stop()
