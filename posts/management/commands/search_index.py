import time

from django.core.management.base import BaseCommand

from posts.search.indexing import index_due_posts, rebuild_index


class Command(BaseCommand):
    help = (
        "Index scheduled posts whose publication time has passed (run it from cron every "
        "minute or so; searches also do this as they go). With --rebuild, rebuild the whole "
        "search index from the posts, e.g. after a bulk import that bypassed the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="Rebuild the whole index from scratch."
        )

    def handle(self, *, rebuild, verbosity, **options):
        if rebuild:
            started = time.perf_counter()
            count = rebuild_index(
                progress=(lambda done, total: self.stdout.write(f"  {done}/{total}"))
                if verbosity > 1
                else None
            )
            seconds = time.perf_counter() - started
            self.stdout.write(f"Search index rebuilt: {count} post(s) in {seconds:.1f} s.")
            return
        total = 0
        while indexed := index_due_posts():
            total += indexed
        self.stdout.write(f"Search index: {total} scheduled post(s) indexed.")
