"""django-tasks-db's `db_worker`, preceded by a sweep of the work our rows say is due,
and kept alive through database outages.

The database backend never runs again a task whose worker was killed (it stays
"running"), so the truth about what is owed lives in each app's own rows, and
each app's `tasks.recover(worker_id)` queues it afresh here. This command lives
in people only because a command needs an app; it names no other app: it asks
every installed app for a `tasks` module, as the admin's autodiscovery does.

db_worker's loop lets an OperationalError escape, and nothing restarts a dead
worker (`make run`, a plain systemd unit without Restart=): a database restart
used to leave emails waiting silently. Here an outage is logged, waited out with
a capped back-off, and followed by the sweep again, because a task cut off by the
outage may have left its work claimed but unfinished.
"""

import logging
import time
from importlib import import_module

from django.apps import apps
from django.db import connections
from django.db.utils import InterfaceError, OperationalError
from django.utils.module_loading import module_has_submodule
from django_tasks_db.management.commands import db_worker
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

logger = logging.getLogger("django_tasks_db")

FIRST_RETRY_SECONDS = 1.0
LONGEST_RETRY_SECONDS = 30.0


def recover_due_work(worker_id):
    """Call every app's tasks.recover(worker_id); returns {what: how many queued}."""
    queued = {}
    for app in apps.get_app_configs():
        if module_has_submodule(app.module, "tasks"):
            recover = getattr(import_module(f"{app.name}.tasks"), "recover", None)
            if recover is not None:
                queued.update(recover(worker_id))
    return queued


def _first_line(error):
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


class Worker(db_worker.Worker):
    """db_worker's Worker that sweeps at start and after every database outage."""

    def __init__(self, *, stdout, **options):
        super().__init__(**options)
        self.stdout = stdout

    def sweep(self):
        for what, count in recover_due_work(self.worker_id).items():
            if count:
                self.stdout.write(f"Queued again at start: {count} {what}.")

    def run(self):
        delay, down_since = FIRST_RETRY_SECONDS, None
        while True:
            try:
                self.sweep()
                if down_since is not None:
                    logger.warning(
                        "Database reachable again after %.0f s; carrying on.",
                        time.monotonic() - down_since,
                    )
                    delay, down_since = FIRST_RETRY_SECONDS, None
                return super().run()
            except (OperationalError, InterfaceError) as error:
                if down_since is None:
                    down_since = time.monotonic()
                    # One line, not a traceback per retry: the outage is not our bug.
                    logger.error(
                        "Database unavailable (%s); retrying with back-off up to %.0f s.",
                        _first_line(error),
                        LONGEST_RETRY_SECONDS,
                    )
                # A broken connection would fail the same way forever; reconnect next time.
                connections.close_all()
                time.sleep(delay)
                delay = min(delay * 2, LONGEST_RETRY_SECONDS)


class Command(DbWorkerCommand):
    help = (
        "Run the background worker (emails, search re-indexing). At start, and again after "
        "the database comes back from an outage, it queues again whatever our rows say is "
        "due, including work a killed worker left unfinished. Give each worker a stable, "
        "unique --worker-id so that a restarted worker reclaims its own unfinished sends "
        "at once."
    )

    def handle(self, *args, **options):
        # db_worker's handle builds its own Worker by name; run it with ours instead.
        original, db_worker.Worker = db_worker.Worker, self._worker_class()
        try:
            super().handle(*args, **options)
        finally:
            db_worker.Worker = original

    def _worker_class(self):
        stdout = self.stdout

        class CommandWorker(Worker):
            def __init__(self, **options):
                super().__init__(stdout=stdout, **options)

        return CommandWorker
