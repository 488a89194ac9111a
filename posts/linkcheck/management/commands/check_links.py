from django.core.management.base import BaseCommand

from posts.linkcheck import services, tasks
from posts.linkcheck.models import CheckRun, Link, TextIssue


class Command(BaseCommand):
    help = (
        "Check every external link and DOI in posts, pages and people, and look for link "
        "text with no link and deadlines that have passed. Runs here and now unless "
        "--enqueue; --no-fetch only re-reads the content (no network)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="Queue the check for the background worker."
        )
        parser.add_argument(
            "--no-fetch", action="store_true", help="Only collect links and text issues."
        )

    def handle(self, *args, enqueue=False, no_fetch=False, **options):
        if no_fetch:
            links, uses, issues = services.collect()
            self.stdout.write(f"{links} links in {uses} places; {issues} text issues.")
            return
        run, queued = tasks.queue_check(CheckRun.Trigger.COMMAND, enqueue=enqueue)
        if enqueue:
            self.stdout.write(
                "Queued for the worker." if queued else "A check is already waiting or running."
            )
            return
        if not queued:
            self.stderr.write("A check is already waiting or running; not starting another.")
            return
        summary = services.run_check(run.pk)
        self.stdout.write(
            f"Checked {summary['links checked']} links: {summary['broken']} broken, "
            f"{Link.objects.filter(status=Link.Status.BLOCKED).count()} refused the checker; "
            f"{TextIssue.objects.count()} text issues."
        )
