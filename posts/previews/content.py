"""The version of a post a reader sees, as data: what a contributor agrees to.

The snapshot holds what the page prints (public names and labels, never the
person behind an anonymous credit), so it can be stored with an answer and
shown to staff later; the fingerprint is the sha256 of its canonical JSON.
"""

import hashlib
import json

from django.db.models import Prefetch

from posts.models import Credit, Post


def posts_with_content():
    """Posts with what the snapshot reads prefetched: three queries for any post."""
    return Post.objects.select_related("hero_image").prefetch_related(
        "topics",
        "resources",
        Prefetch("credits", queryset=Credit.objects.select_related("person")),
    )


def snapshot(post):
    """The reader-visible content of `post` (prefetched as posts_with_content does)."""
    return {
        "title": post.title,
        "standfirst": post.standfirst,
        "content_note": post.content_note,
        "body": post.body,
        "image": post.hero_image.file.name if post.hero_image else "",
        "image_alt": post.hero_alt_text,
        "doi": post.doi,
        "topics": [topic.name for topic in post.topics.all()],
        "credits": [
            {
                "role": credit.role,
                "name": credit.public_name,
                # As the page prints it: an anonymous credit shows its label alone.
                "role_title": "" if credit.anonymous else credit.role_title,
                "email": credit.public_email if credit.role == Credit.Role.CONTACT else "",
            }
            for credit in post.credits.all()
        ],
        "resources": [
            {
                "kind": resource.kind,
                "title": resource.title,
                "description": resource.description,
                "link": resource.href,
                "doi": resource.doi,
            }
            for resource in post.resources.all()
        ],
    }


def fingerprint(content):
    """sha256 of a snapshot: equal for equal content, whatever the dict's order."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def current_fingerprint(post):
    """The fingerprint of what `post` shows now, read afresh from the database."""
    return fingerprint(snapshot(posts_with_content().get(pk=post.pk)))
