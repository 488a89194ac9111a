"""What the link checker found: every external link and DOI staff content uses, where
it is used, what the last check said; and wording that points at a missing link or a
deadline that has passed.

Nothing here is public and nothing here changes what readers see, so none of it is
registered with flse_hub.freshness.
"""

import hashlib
from urllib.parse import quote

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import NoReverseMatch, reverse


def doi_address(doi):
    """The resolver's address for `doi` (settings.LINKCHECK_DOI_RESOLVER, doi.org in production)."""
    return settings.LINKCHECK_DOI_RESOLVER + quote(doi, safe="/:;()")


class Link(models.Model):
    """One external address or DOI, however many posts and pages use it."""

    class Kind(models.TextChoices):
        URL = "url", "Web address"
        DOI = "doi", "DOI"

    class Status(models.TextChoices):
        UNCHECKED = "unchecked", "Not checked yet"
        OK = "ok", "Working"
        BROKEN = "broken", "Broken"
        # 401, 403, 429: many sites turn away anything that is not a browser, so these
        # say nothing about whether a reader would get the page.
        BLOCKED = "blocked", "Refused the checker"
        # Not http(s), or on a private network: never fetched (flse_hub cannot vouch).
        SKIPPED = "skipped", "Not checked"

    kind = models.CharField(max_length=3, choices=Kind, default=Kind.URL)
    target = models.CharField("address or DOI", max_length=2000)
    # Addresses can be longer than an index allows; their hash is the unique key.
    key = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status, default=Status.UNCHECKED)
    status_code = models.PositiveSmallIntegerField("HTTP status", null=True, blank=True)
    final_url = models.CharField("ends at", max_length=2000, blank=True)
    redirects = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_checked_at = models.DateTimeField("last checked", null=True, blank=True)
    broken_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["target"]
        default_permissions = ("view",)
        permissions = [("check_links", "Can start a check of every link")]
        indexes = [models.Index(fields=["status"], name="linkcheck_link_status_idx")]

    def __str__(self):
        return self.target

    def save(self, *args, **kwargs):
        self.key = self.key_for(self.kind, self.target)
        super().save(*args, **kwargs)

    @staticmethod
    def key_for(kind, target):
        return hashlib.sha256(f"{kind}:{target}".encode()).hexdigest()

    @property
    def address(self):
        """What is fetched: the address itself, or the DOI's resolver address."""
        return doi_address(self.target) if self.kind == self.Kind.DOI else self.target

    @property
    def is_broken(self):
        return self.status == self.Status.BROKEN


class UsedIn(models.Model):
    """Abstract: a place in a post, page or person (any model, by content type)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    # The title when last collected, so the report needs no query per row.
    object_label = models.CharField(max_length=300)

    class Meta:
        abstract = True

    def admin_url(self):
        try:
            return reverse(
                f"admin:{self.content_type.app_label}_{self.content_type.model}_change",
                args=[self.object_id],
            )
        except NoReverseMatch:
            return ""


class LinkUse(UsedIn):
    link = models.ForeignKey(Link, on_delete=models.CASCADE, related_name="uses")
    place = models.CharField(max_length=200, help_text="e.g. “body”, “resource “Toolkit””")
    text = models.CharField("link text", max_length=300, blank=True)

    class Meta:
        default_permissions = ()
        ordering = ["object_label", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="linkcheck_use_obj_idx")]

    def __str__(self):
        return f"{self.link} in {self.object_label} ({self.place})"


class TextIssue(UsedIn):
    class Kind(models.TextChoices):
        DANGLING = "dangling", "Link text with no link"
        PAST_DEADLINE = "deadline", "Deadline in the past"

    kind = models.CharField(max_length=10, choices=Kind)
    excerpt = models.CharField(max_length=300)
    date = models.DateField(null=True, blank=True)

    class Meta:
        default_permissions = ()
        ordering = ["object_label", "pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="linkcheck_issue_obj_idx")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.excerpt}"


class CheckRun(models.Model):
    """One check of every link: queued by staff, the schedule or the command."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        INTERRUPTED = "interrupted", "Interrupted"

    class Trigger(models.TextChoices):
        STAFF = "staff", "Started by staff"
        SCHEDULE = "schedule", "Scheduled"
        COMMAND = "command", "Management command"

    state = models.CharField(max_length=12, choices=State, default=State.QUEUED)
    trigger = models.CharField(max_length=10, choices=Trigger)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Moved after every link: a running check whose heartbeat stopped was killed.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    links_checked = models.PositiveIntegerField(default=0)
    broken_found = models.PositiveIntegerField(default=0)

    class Meta:
        default_permissions = ()
        ordering = ["-requested_at"]
        get_latest_by = "requested_at"

    def __str__(self):
        return f"{self.get_trigger_display()} check, {self.get_state_display().lower()}"
