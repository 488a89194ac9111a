"""Working drafts: how a live post is edited without readers seeing half-made changes.

Design: a working draft is a second Post row, linked to its live post by
`draft_of` (one-to-one, so a live post has at most one). Its edits, inlines,
topics and autosaves go to that row through the ordinary admin form, while the
live row — the one every public surface reads — stays as published. A working
draft is never public by construction, not by every reader remembering a filter:

- a database rule keeps its status off "published", so `Post.objects.published()`
  (pages, lists, person and topic pages, search index, feeds, sitemap,
  citations) can never return it;
- the slug is unique only among posts that are not working drafts, so a draft may
  keep its live post's address (or the new one it will publish with; `Post.clean`
  refuses one another post holds);
- writing it, or its credits, resources and topics, does not move the public
  content version (their `private_to_staff`, read by flse_hub.freshness), so
  Last-Modified and the page cache stay where they were.

Publishing copies its content onto the live row in one transaction (the live post
keeps its id, URL, publication date and status), records a revision, reindexes,
moves the draft's revisions to the live post and deletes the draft. This was
chosen over Wagtail's "latest revision holds the draft" because Django's admin
edits rows with inline formsets; a snapshot in a revision would need a second
editing path for credits and resources.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from posts import revisions
from posts.models import Post, record_slug_change


def can_publish(user):
    """Whether `user` may publish a working draft: the publish permission (posts.roles)."""
    return user.has_perm("posts.publish_post")


def is_live(post):
    """Published or scheduled: a post whose text readers see, or will see by themselves."""
    return not post.is_working_draft and post.status == Post.Status.PUBLISHED


def working_draft_of(live):
    return Post._base_manager.filter(draft_of=live).first()


@transaction.atomic
def start_working_draft(live, by):
    """The working draft of `live`, made now as a copy of it if it has none."""
    live = Post._base_manager.select_for_update().get(pk=live.pk)
    existing = working_draft_of(live)
    if existing is not None:
        return existing
    if not is_live(live):
        raise ValidationError("Only a published or scheduled post has a working draft.")
    # Whoever starts it owns it, as with a new post (posts.workflow.may_edit).
    draft = Post(
        draft_of=live, status=Post.Status.DRAFT, published_at=live.published_at, created_by=by
    )
    revisions.apply_snapshot(revisions.snapshot_of_post(live), draft)
    # The published text as the first entry, so that every change can be compared with it.
    revisions.record_revision(draft, by, "Started a working draft from the published version.")
    return draft


def slug_changed(live, old_slug):
    """`live` was published under a new slug: `old_slug` keeps answering with a 301.

    Post.save records it already when the copy is saved; asked again here so that a
    publish path that writes with update_fields cannot miss it.
    """
    record_slug_change(live, old_slug)


@transaction.atomic
def publish_working_draft(draft, by):
    """Copy `draft`'s content onto its live post, record it, and delete the draft."""
    if not can_publish(by):
        raise PermissionDenied("You are not allowed to publish posts.")
    draft = Post._base_manager.select_for_update().get(pk=draft.pk)
    if not draft.is_working_draft:
        raise ValidationError("This post is not a working draft.")
    live = Post._base_manager.select_for_update().get(pk=draft.draft_of_id)
    taken = Post.objects.filter(slug=draft.slug, draft_of__isnull=True).exclude(pk=live.pk)
    if taken.exists():
        raise ValidationError("Another post already has this web address: change it first.")
    old_slug = live.slug
    warnings = revisions.apply_snapshot(revisions.snapshot_of_post(draft), live)
    if live.slug != old_slug:
        slug_changed(live, old_slug)
    revisions.adopt_history(draft)
    draft.delete()
    revisions.record_revision(live, by, "Published the working draft.")
    return live, warnings


@transaction.atomic
def discard_working_draft(draft, by):
    """Delete `draft`; its revisions stay in the live post's history."""
    draft = Post._base_manager.select_for_update().get(pk=draft.pk)
    if not draft.is_working_draft:
        raise ValidationError("This post is not a working draft.")
    revisions.adopt_history(draft)
    draft.delete()


@transaction.atomic
def restore_revision(version, post, by):
    """Bring back `version`'s content as a draft; never onto what readers see.

    On a draft (or a working draft) it becomes that draft's content; on a live post it
    becomes the live post's working draft. Returns the post changed and warnings.
    """
    snapshot = revisions.snapshot_of_version(version)
    target = start_working_draft(post, by) if is_live(post) else post
    if target.is_working_draft:
        # The draft keeps its own link to the live post whatever the old slug was.
        target = Post._base_manager.get(pk=target.pk)
    warnings = revisions.apply_snapshot(snapshot, target)
    when = timezone.localtime(version.revision.date_created)
    comment = f"Restored the version of {when:%d %b %Y, %H:%M} (revision {version.revision_id})."
    revisions.record_revision(target, by, comment)
    return target, warnings
