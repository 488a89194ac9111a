import re
from unittest import mock

from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from people import consent

LINK = re.compile(r"https?://[^/\s]+(/newsletter/[a-z-]+/[^/\s]+/)")


def sign_up(client, email, *, environ=None, worker=True, **fields):
    """POST the signup form as the footer box on /posts/ sends it; then, unless
    worker=False, let the worker send what it queued."""
    data = {
        "email": email,
        "consent_version": consent.CURRENT_VERSION,
        "source": "/posts/",
        "website": "",
        **fields,
    }
    response = client.post(reverse("people:newsletter"), data, **(environ or {}))
    if worker:
        run_worker()
    return response


def link_in(message, kind):
    """The path of the `kind` link ("confirm", "unsubscribe", "manage") in an email's text."""
    for path in LINK.findall(message.body):
        if path.startswith(f"/newsletter/{kind}/"):
            return path
    raise AssertionError(f"No {kind} link in:\n{message.body}")


def last_email_to(address):
    sent = [m for m in mail.outbox if m.to == [address]]
    assert sent, f"no email to {address}"
    return sent[-1]


def run_worker():
    """What follows a request in production: its commit queues the tasks, then the worker
    (django-tasks-db's, in this process) runs the queue dry.

    The test's transaction never commits, so its on-commit callbacks (the enqueues)
    are run here by hand, once. The worker's close_old_connections() would close the
    test's connection mid-transaction (it is meant for a worker's idle loop), so it
    is a no-op here.
    """
    callbacks, connection.run_on_commit = connection.run_on_commit, []
    for _savepoints, callback, _robust in callbacks:
        callback()
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
