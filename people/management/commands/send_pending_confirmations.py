from django.core.management.base import BaseCommand

from people import services


class Command(BaseCommand):
    help = (
        "Send newsletter confirmation emails that are still due (never sent, or failed). "
        "Safe to run from cron as often as you like: each email is sent once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-attempts",
            type=int,
            default=10,
            help="Skip addresses whose email has already failed this many times (default 10).",
        )

    def handle(self, *args, max_attempts, **options):
        sent, failed = services.send_pending_confirmations(max_attempts=max_attempts)
        self.stdout.write(f"Confirmation emails sent: {sent}; still failing: {failed}.")
