"""Revisions of posts, kept by django-reversion, and the readable comparison of two.

Every save of a post through the admin (and every working-draft publish, restore
and autosave, posts/drafts.py) is one reversion Revision: who, when, a comment
such as "Changed Title and Body.", and one Version of the post with a Version of
each of its credits, resources and topic links (the post is registered with
`follow`). Revisions are recorded explicitly, after the inlines and topics are
saved (`manage_manually`), so each holds the post exactly as it was left, and no
other write of a post (a script, a migration) records one unasked.

A post's history is that of its identity: the live post's versions and those of
its working drafts, whose versions move to the live post when the draft is
published or discarded (`adopt_history`). A version is never reverted in place
(reversion's own `revert()` would write an old text straight onto a live post):
restoring copies its content onto a draft (posts/drafts.py, `restore_revision`).
"""

import difflib
import html
import re
from dataclasses import dataclass, field
from datetime import timedelta

import reversion
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html, strip_tags
from django.utils.safestring import mark_safe
from reversion.errors import RevertError
from reversion.models import Version

from posts.models import Credit, Post, Resource, TaggedPost

# What a revision restores and a working draft carries to the live post. Publishing
# settings (status, publication date, featured) belong to the live post alone.
# Foreign keys by their column (`hero_image_id`), as reversion's field_dict names them.
CONTENT_FIELDS = [
    "title", "slug", "standfirst", "body", "content_note", "hero_image_id", "hero_image_alt",
    "doi", "seo_title", "seo_description",
]  # fmt: skip
CREDIT_FIELDS = ["person_id", "role", "role_title", "anonymous", "public_label", "order"]
RESOURCE_FIELDS = ["kind", "title", "description", "url", "document_id", "doi", "order"]

AUTOSAVE_COMMENT = "Autosaved."
# An autosave replaces the post's newest revision when that is an autosave younger
# than this, so that typing for an hour leaves a handful of revisions, not 120.
AUTOSAVE_REVISION_INTERVAL = timedelta(minutes=10)

reversion.register(Credit)
reversion.register(Resource)
reversion.register(TaggedPost)
reversion.register(Post, follow=["credits", "resources", "topic_links"])


def record_revision(post, user, comment):
    """Record `post` as it is now, with its credits, resources and topics, as one revision."""
    with reversion.create_revision(manage_manually=True):
        reversion.set_user(user)
        reversion.set_comment(comment)
        reversion.add_to_revision(post)


def record_autosave_revision(post, user):
    """Record an autosave, replacing the newest revision if it is a recent autosave."""
    newest = history_of(post).select_related("revision").first()
    if (
        newest is not None
        and newest.revision.comment == AUTOSAVE_COMMENT
        and newest.revision.user_id == getattr(user, "pk", None)
        and newest.object_id == str(post.pk)
        and timezone.now() - newest.revision.date_created < AUTOSAVE_REVISION_INTERVAL
    ):
        newest.revision.delete()
    record_revision(post, user, AUTOSAVE_COMMENT)


def identity_ids(post):
    """The ids whose versions make up `post`'s history: the live post and its working draft."""
    live = post.draft_of if post.is_working_draft else post
    ids = [live.pk]
    draft_id = Post._base_manager.filter(draft_of=live).values_list("pk", flat=True).first()
    if draft_id is not None:
        ids.append(draft_id)
    return [str(pk) for pk in ids]


def history_of(post):
    """Versions of `post` (and of its working draft), newest first."""
    return (
        Version.objects.get_for_model(Post)
        .filter(object_id__in=identity_ids(post))
        .select_related("revision__user")
        .order_by("-revision__date_created", "-pk")
    )


def adopt_history(draft):
    """Move a working draft's versions to its live post, before the draft is deleted."""
    Version.objects.get_for_model(Post).filter(object_id=str(draft.pk)).update(
        object_id=str(draft.draft_of_id)
    )


@dataclass
class Snapshot:
    """A post's content at one moment: what is compared, restored and published."""

    fields: dict
    credits: list = field(default_factory=list)
    resources: list = field(default_factory=list)
    topic_ids: list = field(default_factory=list)


def snapshot_of_post(post):
    """The content of `post` as stored now."""
    return Snapshot(
        fields={name: getattr(post, name) for name in CONTENT_FIELDS},
        credits=[
            {name: getattr(credit, name) for name in CREDIT_FIELDS}
            for credit in Credit.objects.filter(post=post).order_by("role", "order", "pk")
        ],
        resources=[
            {name: getattr(resource, name) for name in RESOURCE_FIELDS}
            for resource in Resource.objects.filter(post=post).order_by("order", "pk")
        ],
        topic_ids=list(
            TaggedPost.objects.filter(content_object=post)
            .order_by("pk")
            .values_list("tag_id", flat=True)
        ),
    )


def snapshot_of_version(version):
    """The content a post version recorded, with the credits, resources and topics of
    its revision. Raises RevertError if the stored data no longer fits the models."""
    post_fields = version.field_dict
    types = ContentType.objects.get_for_models(Credit, Resource, TaggedPost)
    related = Version.objects.filter(revision_id=version.revision_id).filter(
        Q(content_type=types[Credit])
        | Q(content_type=types[Resource])
        | Q(content_type=types[TaggedPost])
    )
    snapshot = Snapshot(fields={name: post_fields.get(name) for name in CONTENT_FIELDS})
    # The id the post had when recorded: a working draft's versions move to its live
    # post (adopt_history), while their credits still name the draft.
    post_id = post_fields.get("id") or int(version.object_id)
    for related_version in related.order_by("pk"):
        data = related_version.field_dict
        if related_version.content_type_id == types[Credit].pk and data["post_id"] == post_id:
            snapshot.credits.append({name: data[name] for name in CREDIT_FIELDS})
        elif related_version.content_type_id == types[Resource].pk and data["post_id"] == post_id:
            snapshot.resources.append({name: data[name] for name in RESOURCE_FIELDS})
        elif data.get("content_object_id") == post_id:
            snapshot.topic_ids.append(data["tag_id"])
    snapshot.credits.sort(key=lambda credit: (credit["role"], credit["order"]))
    snapshot.resources.sort(key=lambda resource: resource["order"])
    return snapshot


def apply_snapshot(snapshot, target):
    """Make `target`'s content (fields, credits, resources, topics) that of `snapshot`.

    Returns warnings for what could not come back (a person, topic, image or file
    deleted since). The post is saved last, so the search index and the content
    version are brought up to date with everything in place. Call it inside a
    transaction.
    """
    from people.models import Person
    from posts.media.models import Document, Image
    from posts.models import Topic

    warnings = []
    fields = dict(snapshot.fields)
    image_id = fields.get("hero_image_id")
    if image_id is not None and not Image.objects.filter(pk=image_id).exists():
        warnings.append("The image has been deleted from the media library since: choose another.")
        fields["hero_image_id"] = None
    for name, value in fields.items():
        setattr(target, name, value)
    if target.pk is None:  # a new working draft: its rows need it saved first
        target.save()

    Credit.objects.filter(post=target).delete()
    people = set(
        Person.objects.filter(pk__in=[c["person_id"] for c in snapshot.credits]).values_list(
            "pk", flat=True
        )
    )
    for credit in snapshot.credits:
        if credit["person_id"] is not None and credit["person_id"] not in people:
            if not credit["anonymous"]:
                warnings.append("A credited person has been deleted since: credit left out.")
                continue
            credit = {**credit, "person_id": None}
        Credit.objects.create(post=target, **credit)

    Resource.objects.filter(post=target).delete()
    documents = set(
        Document.objects.filter(
            pk__in=[r["document_id"] for r in snapshot.resources if r["document_id"]]
        ).values_list("pk", flat=True)
    )
    for resource in snapshot.resources:
        if resource["document_id"] is not None and resource["document_id"] not in documents:
            if not (resource["url"] or resource["doi"]):
                warnings.append(
                    f"The file of “{resource['title']}” has been deleted from the media "
                    "library since; it is left out."
                )
                continue
            resource = {**resource, "document_id": None}
        Resource.objects.create(post=target, **resource)

    topics = list(Topic.objects.filter(pk__in=snapshot.topic_ids))
    if len(topics) < len(set(snapshot.topic_ids)):
        warnings.append("A topic has been deleted since; it is left out.")
    target.save()
    target.topics.set(topics)
    return warnings


# --- Comparing two versions -------------------------------------------------------

_BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote)>|<br\s*/?>", re.IGNORECASE)


def body_text(body_html):
    """The body's words as a reader sees them: one paragraph a line, no markup."""
    text = html.unescape(strip_tags(_BLOCK_END.sub("\n", body_html or "")))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _words(text):
    return re.findall(r"\s+|[^\s]+", text)


def _word_diff(old, new):
    old_words, new_words = _words(old), _words(new)
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    parts = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(format_html("{}", "".join(old_words[i1:i2])))
            continue
        if i2 > i1:
            parts.append(format_html("<del>{}</del>", "".join(old_words[i1:i2])))
        if j2 > j1:
            parts.append(format_html("<ins>{}</ins>", "".join(new_words[j1:j2])))
    return mark_safe("".join(parts))  # noqa: S308  (every piece went through format_html)


def text_diff(old, new):
    """Paragraphs of `new` with the words changed from `old` marked by <del> and <ins>.

    Paragraphs are matched first and words only within changed ones, which keeps the
    work bounded by the size of the change rather than the square of the body.
    """
    old_lines, new_lines = (old or "").split("\n"), (new or "").split("\n")
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    paragraphs = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            paragraphs += [(False, format_html("{}", line)) for line in new_lines[j1:j2]]
        else:
            paragraphs.append(
                (True, _word_diff("\n".join(old_lines[i1:i2]), "\n".join(new_lines[j1:j2])))
            )
    return paragraphs


def _credit_line(credit, names):
    name = names.get(credit["person_id"], credit["public_label"])
    hidden = " (anonymous)" if credit["anonymous"] else ""
    title = f", {credit['role_title']}" if credit["role_title"] else ""
    return f"{credit['role'].capitalize()}: {name}{hidden}{title}"


def compare(old, new):
    """Rows of (label, paragraphs, changed) comparing two snapshots, for the compare page."""
    from people.models import Person
    from posts.models import Topic

    person_ids = {c["person_id"] for c in old.credits + new.credits}
    names = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "name"))
    topic_ids = {*old.topic_ids, *new.topic_ids}
    topics = dict(Topic.objects.filter(pk__in=topic_ids).values_list("pk", "name"))

    def lines(snapshot):
        return {
            "Title": snapshot.fields["title"] or "",
            "Standfirst": snapshot.fields["standfirst"] or "",
            "Body": body_text(snapshot.fields["body"]),
            "Web address": snapshot.fields["slug"] or "",
            "Topics": "\n".join(sorted(topics.get(pk, "(deleted)") for pk in snapshot.topic_ids)),
            "Authors and contacts": "\n".join(_credit_line(c, names) for c in snapshot.credits),
            "Resources": "\n".join(r["title"] for r in snapshot.resources),
            "Content note": snapshot.fields["content_note"] or "",
            "Image description": snapshot.fields["hero_image_alt"] or "",
        }

    before, after = lines(old), lines(new)
    rows = []
    for label in before:
        changed = before[label] != after[label]
        if changed or label in {"Title", "Standfirst", "Body"}:
            rows.append((label, text_diff(before[label], after[label]), changed))
    return rows


__all__ = [
    "AUTOSAVE_COMMENT", "CONTENT_FIELDS", "RevertError", "Snapshot", "adopt_history",
    "apply_snapshot", "body_text", "compare", "history_of", "record_autosave_revision",
    "record_revision", "snapshot_of_post", "snapshot_of_version", "text_diff",
]  # fmt: skip
