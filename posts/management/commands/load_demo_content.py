import json
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from flse_hub.site.models import DemoContentLoad
from people.models import Person
from posts.models import Credit, Post, Resource, Topic

CONTENT_FILE = Path(__file__).resolve().parents[2] / "demo_content" / "content.json"

# Where the demo text differs from the posts as published (seed:
# /work/shared/seed/flse-blog-posts.txt), printed with --verbosity 2.
NOTES = """\
Demo content notes: where the text differs from the published posts.
"""


DEMO_NAME = "posts"


class Command(BaseCommand):
    help = (
        "Load the organisation's ten published posts with their people and topics, once. "
        "The database remembers the load, so running it again adds nothing: posts staff "
        "deleted stay deleted, and a post whose address they changed is not added again "
        "under the old one. --force loads the posts whose addresses are free once more. "
        "--verbosity 2 prints where the demo text differs from the published posts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=CONTENT_FILE)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load again even though this database has had the demo content: adds "
            "every demo post, person and topic whose slug is free, including ones staff "
            "deleted (a post whose slug staff changed comes back as a second copy).",
        )

    @transaction.atomic
    def handle(self, *, file, force, verbosity, **options):
        if verbosity >= 2:
            self.stdout.write(NOTES)
        now = timezone.now()
        if not force:
            # Locked, so two `make run`s started together cannot both load.
            earlier = DemoContentLoad.objects.select_for_update().filter(name=DEMO_NAME).first()
            if earlier is not None:
                self.stdout.write(
                    f"Demo content: already loaded on {earlier.loaded_at:%Y-%m-%d %H:%M} UTC; "
                    "nothing added (staff's edits and deletions stand). "
                    "`manage.py load_demo_content --force` loads it again."
                )
                return
            if Post.objects.exists():
                # A database from before the load was remembered, or a site with its
                # own posts: either way, adding demo posts now would undo staff's work.
                DemoContentLoad.objects.create(name=DEMO_NAME, loaded_at=now)
                self.stdout.write(
                    "Demo content: this database already has posts, so none were added "
                    "(remembered as loaded). `manage.py load_demo_content --force` adds them."
                )
                return
        DemoContentLoad.objects.update_or_create(name=DEMO_NAME, defaults={"loaded_at": now})
        content = json.loads(file.read_text(encoding="utf-8"))
        people = {
            row["slug"]: Person.objects.get_or_create(slug=row["slug"], defaults=row)[0]
            for row in content["people"]
        }
        topics = {
            row["slug"]: Topic.objects.get_or_create(slug=row["slug"], defaults=row)[0]
            for row in content["topics"]
        }
        created = 0
        for row in content["posts"]:
            if Post.objects.filter(slug=row["slug"]).exists():
                continue
            self._create_post(row, people, topics)
            created += 1
        self.stdout.write(
            f"Demo content: {created} post(s) added, "
            f"{len(content['posts']) - created} already present."
        )

    def _create_post(self, row, people, topics):
        published_at = parse_datetime(row["published_at"])
        post = Post.objects.create(
            title=row["title"],
            slug=row["slug"],
            standfirst=row["standfirst"],
            body=row["body"],
            content_note=row.get("content_note", ""),
            featured=row.get("featured", False),
            status=Post.Status.PUBLISHED,
            published_at=published_at,
        )
        post.topics.set([topics[slug] for slug in row["topics"]])
        role_order = {}
        for credit in row["credits"]:
            order = role_order[credit["role"]] = role_order.get(credit["role"], -1) + 1
            Credit.objects.create(
                post=post,
                person=people[credit["person"]] if credit["person"] else None,
                role=credit["role"],
                role_title=credit["role_title"],
                anonymous=credit["anonymous"],
                public_label=credit["public_label"]
                or Credit._meta.get_field("public_label").default,
                order=order,
            )
        for order, resource in enumerate(row.get("resources", [])):
            Resource.objects.create(post=post, order=order, **resource)
        # A freshly loaded post has not been edited since it was published.
        Post.objects.filter(pk=post.pk).update(updated_at=published_at, created_at=published_at)
