from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from flse_hub.archive.check import broken_links
from flse_hub.archive.export import StaticExport


class Command(BaseCommand):
    help = (
        "Write the whole public site into DIR as static files that any web server (or the "
        "file system) can serve: pages, lists, topics, people, feeds, sitemaps, citations, "
        "media and static files, with offline search. Then check every link in it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "folder", help="An empty or new folder (or an earlier archive, replaced)."
        )
        parser.add_argument(
            "--base-url",
            default=settings.SITE_URL,
            help="Where the archive will be served, for feeds, sitemaps and canonical "
            "links, which must be absolute (default: DJANGO_SITE_URL, %(default)s).",
        )

    def handle(self, folder, base_url, **options):
        try:
            export = StaticExport(folder, base_url, log=self.stdout.write)
            report = export.run()
        except (ValueError, FileExistsError) as error:
            raise CommandError(str(error)) from None
        for problem in report.problems:
            self.stderr.write(f"Not exported: {problem}")
        broken = broken_links(folder, export.base_url)
        for link in broken:
            self.stderr.write(f"Broken link: {link}")
        self.stdout.write(
            f"{report.pages} pages, {report.files} files, {report.bytes / 1e6:.1f} MB "
            f"written to {folder} in {report.seconds:.1f} s; {len(broken)} broken links."
        )
        if broken:
            raise CommandError(f"{len(broken)} broken links in the archive.")
