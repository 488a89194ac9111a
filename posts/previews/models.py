"""Tables of preview links and contributors' answers. Nothing here is ever public."""

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_HASH_LENGTH = 64  # sha256, hex
RECIPIENT_MAX_LENGTH = 100
NAME_MAX_LENGTH = 100
MESSAGE_MAX_LENGTH = 4000


class PreviewLink(models.Model):
    """A link that shows one post, unpublished, to someone without an account.

    Only a hash of the token is kept: the full link is shown once, to the editor who
    makes it, so a copy of the database cannot be turned into working links.
    """

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"
        CHANGED = "changed", "Post changed"

    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="preview_links")
    token_hash = models.CharField(max_length=TOKEN_HASH_LENGTH, unique=True, editable=False)
    recipient = models.CharField(
        max_length=RECIPIENT_MAX_LENGTH,
        help_text="Who the link is for, e.g. ‘Sam, contributor’. Staff see this; the page "
        "greets the person holding the link with it.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    dies_on_change = models.BooleanField(
        "stop working when the post changes",
        default=False,
        help_text="The link stops working as soon as anything the reader would see changes.",
    )
    # What the page showed when the link was made: the "post changed" test compares it.
    content_fingerprint = models.CharField(max_length=64, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "preview link"

    def __str__(self):
        return f"Preview link for {self.recipient}, made on {self.created_at:%d %b %Y %H:%M}"

    def state(self, current_fingerprint=None, *, now=None):
        """Active, expired, revoked or changed; `current_fingerprint` is needed for the
        last, and only matters if the link dies on change."""
        if self.revoked_at is not None:
            return self.State.REVOKED
        if (now or timezone.now()) >= self.expires_at:
            return self.State.EXPIRED
        if (
            self.dies_on_change
            and current_fingerprint is not None
            and current_fingerprint != self.content_fingerprint
        ):
            return self.State.CHANGED
        return self.State.ACTIVE


class ContributorResponse(models.Model):
    """What the holder of a preview link said about the exact version they saw."""

    class Kind(models.TextChoices):
        AGREED = "agreed", "Agreed to publishing"
        CHANGES = "changes", "Asked for changes"

    link = models.ForeignKey(PreviewLink, on_delete=models.CASCADE, related_name="responses")
    # The post too, so that its admin page can list the answers as an inline.
    post = models.ForeignKey(
        "posts.Post", on_delete=models.CASCADE, related_name="contributor_responses"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    # Staff-only: the typed name is never shown on any public page.
    name = models.CharField("name they typed", max_length=NAME_MAX_LENGTH, blank=True)
    message = models.TextField(max_length=MESSAGE_MAX_LENGTH, blank=True)
    # What they saw (posts.previews.content.snapshot) and its sha256.
    snapshot = models.JSONField()
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    # Set by the task that emails the editors, once the mail server has the message.
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "contributor's answer"
        verbose_name_plural = "contributors' answers"
        indexes = [models.Index(fields=["post", "-created_at"], name="response_post_latest_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="agreed") & ~models.Q(name=""))
                | (models.Q(kind="changes") & ~models.Q(message="")),
                name="response_has_name_or_message",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.link.recipient})"
