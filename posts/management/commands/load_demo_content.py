import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string

from flse_hub.site.models import DemoContentLoad
from people.models import Person
from posts.models import Credit, Post, Resource, Topic

CONTENT_FILE = Path(__file__).resolve().parents[2] / "demo_content" / "content.json"

# Where the demo text differs from the posts as published on the organisation's old
# site, printed with --verbosity 2.
NOTES = """\
Demo content notes: where the text differs from the posts as published.

The published pages had sentences whose links were lost in copying, and one
note to the reader of the original page. The authors' words are kept (typos
too); a link is added where the text names a public target, and otherwise the
dangling phrase is rephrased as little as possible:

- "Common Ambition and Fulfilling Lives South East": "please visit their
  website" links their website, https://bhcommonambition.org/. "please read
  our Ripple Effect impact report" (no public copy known) became "please ask
  us for our Ripple Effect impact report (contact details below)."
- "Seeing the whole person": "an employment toolkit which is available to
  download here:" (nothing followed) became "an employment toolkit, introduced
  in our post Employing People with Lived Experience of Multiple and Complex
  Needs", linked to that post. "For more information about Citrus Ornge and
  their social mission" (nothing followed) gained ", visit their website."
  linking https://www.citrusornge.com/.
- "Employing People with Lived Experience of Multiple and Complex Needs": the
  "(" left where a link to the British Medical Association's July 2016
  publication was is removed.
- "How Multiagency Meetings Can Join Up Support": "please read our blog on the
  ... Coexisting Conditions Steering Groups here" (no link) became "please ask
  us for our blog on the ... Steering Groups (contact details below)."
- "Journeys towards a Psychologically Informed Environment": "please read our
  toolkit here." (no link) became "please ask us for our toolkit (contact
  details below)."
- "Co-production: Definition is in the detail": the standfirst was the note
  under the quoted definition ("The above quoted text is the official ...
  definition ..., as shown on our website."), shown above the quote. It now
  reads "The official Fulfilling Lives definition of co-production ..., and
  why, in practice, the definition is in the detail." The note itself stays
  in the body, under the quote, where it belongs.
- "Clinical Supervision": "Read more here:" was already followed by its link
  (the seed gives the address) and the report is also a resource.
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
        self._load_posts(file, force)
        # Other apps' demo content (the site's pages, settings and menus), each remembered
        # under its own name; they live in apps posts must not import.
        for path in settings.DEMO_CONTENT_LOADERS:
            self.stdout.write(import_string(path)(force=force))

    def _load_posts(self, file, force):
        now = timezone.now()
        if not force:
            # Two first loads at once cannot both succeed: the record's name is unique,
            # and the second one's whole transaction rolls back.
            earlier = DemoContentLoad.objects.filter(name=DEMO_NAME).first()
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
