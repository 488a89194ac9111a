"""django-tasks-db's `db_worker`, preceded by a sweep of the work our rows say is due.

The database backend never runs again a task whose worker was killed (it stays
"running"), so the truth about what is owed lives in each app's own rows, and
each app's `tasks.recover(worker_id)` queues it afresh here. This command lives
in people only because a command needs an app; it names no other app: it asks
every installed app for a `tasks` module, as the admin's autodiscovery does.
"""

from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


def recover_due_work(worker_id):
    """Call every app's tasks.recover(worker_id); returns {what: how many queued}."""
    queued = {}
    for app in apps.get_app_configs():
        if module_has_submodule(app.module, "tasks"):
            recover = getattr(import_module(f"{app.name}.tasks"), "recover", None)
            if recover is not None:
                queued.update(recover(worker_id))
    return queued


class Command(DbWorkerCommand):
    help = (
        "Run the background worker (emails, search re-indexing). At start it queues again "
        "whatever our rows say is due, including work a killed worker left unfinished. Give "
        "each worker a stable, unique --worker-id so that a restarted worker reclaims its "
        "own unfinished sends at once."
    )

    def handle(self, *args, worker_id, **options):
        for what, count in recover_due_work(worker_id).items():
            if count:
                self.stdout.write(f"Queued again at start: {count} {what}.")
        super().handle(*args, worker_id=worker_id, **options)
