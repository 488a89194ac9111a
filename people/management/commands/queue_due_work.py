from django.core.management.base import BaseCommand

from people.management.commands.run_worker import recover_due_work


class Command(BaseCommand):
    help = (
        "Queue again every piece of background work our rows say is due (emails not yet "
        "accepted by the mail server, posts marked for re-indexing): what run_worker does "
        "at start. Run it from cron when the worker is not run_worker (e.g. an RQ worker)."
    )

    def handle(self, *args, **options):
        queued = recover_due_work(worker_id=None)
        summary = ", ".join(f"{count} {what}" for what, count in queued.items()) or "nothing"
        self.stdout.write(f"Queued: {summary}.")
