"""A real worker outlives a database outage and runs work queued after it.

`manage.py run_worker` runs in its own process and delivers to aiosmtpd on
loopback. The database goes away for a few seconds: on SQLite the worker's
folder for the database file is renamed away (the worker reaches the file
through a folder of its own, so this test's connection is untouched); on
PostgreSQL the test database refuses new connections and the worker's session
is terminated, which is what the worker sees when the server is stopped.
"""

import queue
import threading
import time
from pathlib import Path

import psycopg2
import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from tests.people.helpers import sign_up
from tests.people.test_worker_killed import GatedMailbox, _free_port, _worker

OUTAGE_SECONDS = 3


class Output:
    """The worker's output, read as it comes, so the test can await a line."""

    def __init__(self, process):
        self.lines, self.seen = queue.Queue(), []
        threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)  # the worker exited: stop waiting at once

    def wait_for(self, text, timeout=60):
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no {text!r} in the worker's output:\n{''.join(self.seen)}")


def _run_through_outage(client, smtp_port, take_away, bring_back, database_url=None):
    extra_env = {"DATABASE_URL": database_url} if database_url else {}
    worker = _worker(smtp_port, env=extra_env)
    try:
        output = Output(worker)
        output.wait_for("Starting worker")
        take_away()
        try:
            output.wait_for("Database unavailable")
            time.sleep(OUTAGE_SECONDS)  # an outage of some length: nothing to await here
            assert worker.poll() is None, "the worker died in the outage"
        finally:
            bring_back()
        output.wait_for("Database reachable again")
        assert sign_up(client, "after-outage@example.org", worker=False).status_code == 302
        return worker, output
    except BaseException:
        worker.kill()
        worker.wait()
        raise


def _stop(worker):
    worker.terminate()
    worker.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_the_worker_survives_the_database_folder_going_away(client, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    database = connection.settings_dict["NAME"]
    folder = tmp_path / "db"
    folder.symlink_to(Path(database).parent)
    mailbox = GatedMailbox()
    mailbox.gate.set()
    port = _free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        worker, _output = _run_through_outage(
            client,
            port,
            take_away=lambda: folder.rename(tmp_path / "gone"),
            bring_back=lambda: (tmp_path / "gone").rename(folder),
            database_url=f"sqlite:///{folder / Path(database).name}",
        )
        try:
            _await_delivery(mailbox, "after-outage@example.org")
        finally:
            _stop(worker)
    finally:
        smtp.stop()


@pytest.mark.django_db(transaction=True)
def test_the_worker_survives_postgresql_refusing_and_dropping_it(client):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    db = connection.settings_dict
    name = db["NAME"]

    def admin(*statements):
        # ALTER DATABASE cannot be run from inside the database it changes.
        with psycopg2.connect(
            host=db["HOST"],
            port=db["PORT"],
            user=db["USER"],
            password=db["PASSWORD"],
            dbname="postgres",
        ) as other:
            other.autocommit = True
            with other.cursor() as cursor:
                for statement, params in statements:
                    cursor.execute(statement, params)

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (own_session,) = cursor.fetchone()

    def take_away():
        admin(
            (f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false', None),
            # Every session but this test's own, as a stopped server would drop them.
            (
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> %s",
                [name, own_session],
            ),
        )

    def bring_back():
        admin((f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true', None))

    mailbox = GatedMailbox()
    mailbox.gate.set()
    port = _free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        worker, _output = _run_through_outage(client, port, take_away, bring_back)
        try:
            _await_delivery(mailbox, "after-outage@example.org")
        finally:
            _stop(worker)
    finally:
        smtp.stop()


def _await_delivery(mailbox, address, timeout=60):
    deadline = time.monotonic() + timeout
    while address not in mailbox.received:
        assert time.monotonic() < deadline, f"no email to {address} after the outage"
        mailbox.delivered.wait(timeout=1)
        mailbox.delivered.clear()
