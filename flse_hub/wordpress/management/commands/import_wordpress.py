"""manage.py import_wordpress EXPORT.xml --user USERNAME [--media-dir DIR] [--dry-run]"""

import os

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from flse_hub.wordpress import fetch
from flse_hub.wordpress.importer import ADD_POST, Importer, Report
from flse_hub.wordpress.wxr import NotAnExport, read_export


class Command(BaseCommand):
    help = (
        "Import a WordPress export (Tools → Export, WXR 1.1/1.2): posts, pages, authors, "
        "categories and tags, media, and a redirect from every old address. Run it again "
        "on a newer export to bring in what changed in WordPress; edits made here since "
        "are never overwritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", help="The .xml file WordPress exported.")
        parser.add_argument(
            "--user",
            required=True,
            help="The staff user the import acts as: their permissions apply and revisions "
            "name them. Without the permission to publish, nothing is made live.",
        )
        parser.add_argument(
            "--media-dir",
            help="A copy of the site's wp-content/uploads folder; files not in it are downloaded.",
        )
        parser.add_argument(
            "--no-download", action="store_true", help="Never download files from the old site."
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=fetch.DOWNLOAD_TIMEOUT_SECONDS,
            choices=range(1, 121),
            metavar="SECONDS",
            help="Time allowed per download, 1 to 120 s "
            f"(default {fetch.DOWNLOAD_TIMEOUT_SECONDS}).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would happen; save nothing."
        )

    def handle(self, *args, export, user, media_dir, no_download, timeout, dry_run, **options):
        acting = self.acting_user(user)
        if media_dir and not os.path.isdir(media_dir):
            raise CommandError(f"--media-dir {media_dir} is not a folder.")
        try:
            parsed = read_export(export)
        except NotAnExport as error:
            raise CommandError(str(error)) from None
        report = Report()
        importer = Importer(
            parsed, acting, report, media_dir=media_dir, download=not no_download, timeout=timeout
        )
        committed = False
        try:
            with transaction.atomic():
                importer.run()
                if dry_run:
                    transaction.set_rollback(True)
                else:
                    committed = True
        finally:
            if not committed:
                # The rows are gone with the transaction; the files they named go too.
                for name in importer.stored_files:
                    default_storage.delete(name)
        title = parsed.title or parsed.link
        if dry_run:
            self.stdout.write(f"Dry run of the import of “{title}”: nothing was saved.")
        else:
            self.stdout.write(f"Imported “{title}” (WXR {parsed.version}) as {acting}.")
        for line in report.lines():
            self.stdout.write(line)

    def acting_user(self, username):
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not user.is_active or not user.is_staff:
            raise CommandError(f"There is no active staff user “{username}”.")
        if not user.has_perm(ADD_POST):
            raise CommandError(
                f"{username} may not add posts (posts.add_post), so may not import them. "
                "Put them in the Writers or Editors group."
            )
        return user
