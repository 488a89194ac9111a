import json
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.dateparse import parse_datetime

from people.models import Person
from posts.models import Credit, Post, Resource, Topic

CONTENT_FILE = Path(__file__).resolve().parents[2] / "demo_content" / "content.json"


class Command(BaseCommand):
    help = (
        "Load the organisation's ten published posts with their people and topics. "
        "Safe to run again: existing people, topics and posts (matched by slug) are left "
        "exactly as staff have edited them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=CONTENT_FILE)

    @transaction.atomic
    def handle(self, *, file, **options):
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
