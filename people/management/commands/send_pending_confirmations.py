from django.core.management.base import BaseCommand

from people import services


class Command(BaseCommand):
    help = (
        "Queue every newsletter email that is still due (never sent, failed, or left by a "
        "worker that died mid-send) for the worker to send. Safe to run from cron as often "
        "as you like: each email is sent once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-attempts",
            type=int,
            default=10,
            help="Skip addresses whose email has already failed this many times (default 10).",
        )

    def handle(self, *args, max_attempts, **options):
        queued = services.enqueue_due_emails(max_attempts=max_attempts)
        self.stdout.write(f"Newsletter emails queued for the worker: {queued}.")
