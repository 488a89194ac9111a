"""The review workflow: every change of a post's state goes through here.

draft → in review → published (a future publication date means scheduled); an
editor may send a post in review back to draft with a comment, and unpublish a
published one. Each step checks, on the server, the user's permission and that the
step is allowed from the state stored in the database (not the one a form claims),
records a ReviewEvent and queues its emails for the background worker. The admin's
form and actions call these functions; so must any future path (an import, an API).
`publish(post, by)` is the only way a post becomes public.
"""

from functools import partial

from django.db import transaction
from django.utils import timezone

from posts import revisions
from posts.models import Post, ReviewEvent

Status = Post.Status

CHANGE = "posts.change_post"
CHANGE_ANY = "posts.change_any_post"
REVIEW = "posts.review_post"
PUBLISH = "posts.publish_post"

# (from, to) -> the step. Anything else (e.g. published → in review) is refused.
STEPS = {
    (Status.DRAFT, Status.IN_REVIEW): "submit",
    (Status.IN_REVIEW, Status.DRAFT): "send_back",
    (Status.DRAFT, Status.PUBLISHED): "publish",
    (Status.IN_REVIEW, Status.PUBLISHED): "publish",
    # A new publication date for a published or scheduled post.
    (Status.PUBLISHED, Status.PUBLISHED): "publish",
    (Status.PUBLISHED, Status.DRAFT): "unpublish",
}

MAX_COMMENT = 2000
_UNSET = object()


class TransitionRefused(Exception):
    """A state change the user may not make, or the workflow does not allow; says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def may_edit(user, post):
    """Whether `user` may change the post's content as it is stored now.

    Writers (change_post without change_any_post) edit only their own drafts: a post
    in review or live is the editors'.
    """
    if not user.has_perm(CHANGE):
        return False
    if user.has_perm(CHANGE_ANY) or post.pk is None:
        return True
    return post.created_by_id == user.pk and post.status == Status.DRAFT


def check(user, post, to_status, *, comment=""):
    """Raise TransitionRefused unless `user` may move `post` (as stored) to `to_status`."""
    from_status = Status(post.status)
    to_status = Status(to_status)
    step = STEPS.get((from_status, to_status))
    if step is None:
        if from_status == to_status:
            raise TransitionRefused(f"The post is already {from_status.label.lower()}.")
        hint = " Return it to draft first." if from_status == Status.PUBLISHED else ""
        raise TransitionRefused(
            f"A post that is {from_status.label.lower()} cannot be moved to "
            f"“{to_status.label}”.{hint}"
        )
    if step == "submit" and not may_edit(user, post):
        raise TransitionRefused("You can submit for review only a draft you may edit.")
    if step == "send_back":
        if not user.has_perm(REVIEW):
            raise TransitionRefused("Only editors can send a post back to its writer.")
        if not comment.strip():
            raise TransitionRefused(
                "Say what needs changing: write a comment for the writer to send it back."
            )
    if step in ("publish", "unpublish") and not user.has_perm(PUBLISH):
        verb = "publish or schedule" if step == "publish" else "unpublish"
        raise TransitionRefused(
            f"You do not have permission to {verb} posts. Submit it for review and an "
            "editor will publish it."
        )
    if len(comment) > MAX_COMMENT:
        raise TransitionRefused(f"Keep the comment under {MAX_COMMENT} characters.")


def allowed_targets(user, post):
    """The states `user` may move `post` to (a comment may still be needed to send back)."""
    allowed = []
    for (from_status, to_status), _step in STEPS.items():
        if from_status != post.status or to_status == post.status:
            continue
        try:
            check(user, post, to_status, comment="-")
        except TransitionRefused:
            continue
        allowed.append(to_status)
    return allowed


def submit(post, by, *, comment="", base_url=None):
    """Send a draft to the editors for review."""
    return move(post, Status.IN_REVIEW, by, comment=comment, base_url=base_url)


def send_back(post, by, comment, *, base_url=None):
    """Return a post in review to its writer as a draft, saying what needs changing."""
    return move(post, Status.DRAFT, by, comment=comment, base_url=base_url)


def publish(post, by, *, published_at=_UNSET, comment="", base_url=None):
    """Publish `post` now, or schedule it for `published_at` if that is in the future.

    Without `published_at`, a post keeps the publication date it has, or gets now.
    """
    return move(
        post, Status.PUBLISHED, by, comment=comment, published_at=published_at, base_url=base_url
    )


def unpublish(post, by, *, comment="", base_url=None):
    """Take a published or scheduled post off the site, back to draft."""
    return move(post, Status.DRAFT, by, comment=comment, base_url=base_url)


def merge_working_draft(draft, by):
    """A live post's working draft goes live: its content is copied onto the live post
    (posts.drafts), which keeps its address and date; the draft row is removed."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from posts import drafts

    try:
        live, _warnings = drafts.publish_working_draft(draft, by)
    except PermissionDenied as refused:
        raise TransitionRefused(str(refused) or "You may not publish posts.") from refused
    except ValidationError as refused:
        raise TransitionRefused(" ".join(refused.messages)) from refused
    return live


def move(post, to_status, by, *, comment="", published_at=_UNSET, base_url=None):
    """Make one step of the workflow, checked against the stored state; returns its event.

    Saves the whole post (so a form's other edits go with it) and queues the step's
    emails for when the transaction commits. Raises TransitionRefused, changing nothing.
    """
    from posts.tasks import send_review_emails

    comment = (comment or "").strip()
    with transaction.atomic():
        stored = Post.objects.select_for_update().get(pk=post.pk)
        check(by, stored, to_status, comment=comment)
        from_status = stored.status
        if to_status == Status.PUBLISHED:
            if published_at is not _UNSET:
                post.published_at = published_at
            if from_status == Status.PUBLISHED and post.published_at == stored.published_at:
                raise TransitionRefused("The post is already published with that date.")
        if to_status == Status.PUBLISHED and stored.draft_of_id:
            # A working draft is never published itself: its text goes onto the live post,
            # and the step is recorded there (the draft's own row is gone).
            post.save()
            post = merge_working_draft(post, by)
        else:
            post.status = to_status
            post.save()
            # The step is a save of the post like any other: it is in the post's history.
            revisions.record_revision(post, by, f"Moved to {Status(to_status).label.lower()}.")
        event = ReviewEvent.objects.create(
            post=post,
            from_status=from_status,
            to_status=to_status,
            published_at=post.published_at if to_status == Status.PUBLISHED else None,
            by=by,
            at=timezone.now(),
            comment=comment,
        )
        transaction.on_commit(partial(send_review_emails.enqueue, event.pk, base_url))
    return event
