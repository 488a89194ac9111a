from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Lower
from django.urls import reverse

from flse_hub.rich_text import rich_text_field, sanitize_html
from flse_hub.uploads import RandomName, ValidatedImageField
from people import consent


class Person(models.Model):
    """Someone credited on posts: an author or a contact."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200, unique=True, help_text="Used in the web address of their page."
    )
    job_title = models.CharField(
        max_length=200,
        blank=True,
        help_text="Their current role. Each post keeps the role as printed when it was written.",
    )
    bio = models.TextField(blank=True, help_text="A sentence or two shown on their page.")
    photo = ValidatedImageField(
        upload_to=RandomName("people"),
        width_field="photo_width",
        height_field="photo_height",
        blank=True,
        help_text="A JPEG, PNG, WebP or GIF. It is saved afresh, which removes location "
        "and other hidden data.",
    )
    photo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_alt = models.CharField(
        "photo description",
        max_length=250,
        blank=True,
        help_text="Describe the photo for people who cannot see it. Required with a photo.",
    )
    email = models.EmailField(blank=True)
    show_email = models.BooleanField(
        "show email publicly",
        default=False,
        help_text="Show this address on posts where they are the contact, and on their page.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(
                condition=Q(photo="") | ~Q(photo_alt=""), name="person_photo_has_alt_text"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("posts:person", kwargs={"slug": self.slug})

    @property
    def public_email(self):
        return self.email if self.show_email else ""


class SubscriberQuerySet(models.QuerySet):
    def for_email(self, email):
        """The subscriber with this address, compared case-insensitively in SQL."""
        return self.alias(email_lower=Lower("email")).filter(email_lower=Lower(Value(email)))

    def awaiting_confirmation_email(self):
        """Pending subscribers who asked for a confirmation email that has not gone out."""
        return self.emails_due().filter(status=Subscriber.Status.PENDING)

    def emails_due(self):
        """Subscribers owed an email: asked for after the last one the mail server accepted."""
        return self.filter(
            Q(status__in=[Subscriber.Status.PENDING, Subscriber.Status.ACTIVE]),
            Q(confirmation_requested_at__isnull=False),
            Q(confirmation_sent_at__isnull=True)
            | Q(confirmation_sent_at__lt=F("confirmation_requested_at")),
        )

    def free_to_send(self, *, now, lease):
        """Rows no live sender holds: never claimed, or claimed longer than `lease` ago."""
        return self.filter(Q(sending_since__isnull=True) | Q(sending_since__lt=now - lease))


class Subscriber(models.Model):
    """A newsletter subscriber, with the record of their consent (double opt-in)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending confirmation"
        ACTIVE = "active", "Subscribed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        # Mail servers refused the address for good (people.sending, people.bounces):
        # never sent to again unless its owner signs up and confirms afresh.
        BOUNCED = "bounced", "Address refused by mail servers"

    email = models.EmailField(
        max_length=254,
        help_text="Stored with the domain in lower case; unique whatever the case.",
    )
    name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.PENDING)

    # The consent record: when, which wording, where. Replaced by each fresh consent.
    consented_at = models.DateTimeField("consent given at")
    consent_version = models.PositiveSmallIntegerField(
        "consent wording version",
        choices=consent.version_choices,
        help_text="The exact statement is in people/consent.py under this version.",
    )
    source_page = models.CharField(
        max_length=300, blank=True, help_text="The page the signup form was on."
    )

    class Request(models.TextChoices):
        SIGNUP = "signup", "Signup form"
        LINK = "link", "“Email me a link” form"

    # The subscriber's next email (the confirmation while pending; for an active
    # subscriber, a link to change topics or leave): it is due while requested_at is
    # later than sent_at. sent_at is written only once the mail server has accepted
    # the message; a sender holds the row meanwhile (sending_since, sending_worker).
    confirmation_requested_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.CharField("email asked for by", max_length=6, choices=Request, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True, editable=False)
    sending_worker = models.CharField(max_length=64, blank=True, editable=False)
    confirmation_failed_at = models.DateTimeField(null=True, blank=True)
    confirmation_error = models.TextField("last sending error", blank=True)
    confirmation_attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Failed sends since the email was last asked for."
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    permanent_failures = models.PositiveSmallIntegerField(
        "permanent delivery failures",
        default=0,
        help_text="Newsletter sends the mail server refused for good (5xx) or reported "
        "bounced. At NEWSLETTER_MAX_PERMANENT_FAILURES the address is no longer sent to.",
    )
    bounced_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-consented_at", "-pk"]
        permissions = [("export_subscriber", "Can export subscribers")]
        constraints = [
            # One row per address whatever its case, enforced by the database so
            # that concurrent signups cannot create two.
            models.UniqueConstraint(Lower("email"), name="subscriber_email_ci_unique"),
        ]
        indexes = [models.Index(fields=["status", "consented_at"], name="subscriber_status_idx")]

    def __str__(self):
        return self.email

    @property
    def consent_wording(self):
        return consent.wording(self.consent_version)

    @property
    def confirmation_due(self):
        return (
            self.status == self.Status.PENDING
            and self.confirmation_requested_at is not None
            and (
                self.confirmation_sent_at is None
                or self.confirmation_sent_at < self.confirmation_requested_at
            )
        )


class Interest(models.Model):
    """A topic a subscriber wants to hear about, by the topic's slug.

    A slug rather than a foreign key keeps people independent of posts (see
    DESIGN.md); the slug is a topic's permanent address, so it is stable.
    """

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="interests")
    topic_slug = models.SlugField(max_length=100)

    class Meta:
        ordering = ["topic_slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "topic_slug"], name="one_interest_per_topic"
            )
        ]

    def __str__(self):
        return self.topic_slug


class SuppressedAddress(models.Model):
    """An erased person's address, kept only as a keyed hash so it is never re-added quietly."""

    email_hash = models.CharField(max_length=64, unique=True, editable=False)
    erased_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-erased_at"]
        verbose_name = "erased address"
        verbose_name_plural = "erased addresses"

    def __str__(self):
        return f"Erased {self.erased_at:%Y-%m-%d} ({self.email_hash[:12]}…)"


# The newsletter itself --------------------------------------------------------------


class NewsletterIssueQuerySet(models.QuerySet):
    def public(self):
        """Issues the public may read: those whose sending has finished."""
        return self.filter(status=NewsletterIssue.Status.SENT)


class NewsletterIssue(models.Model):
    """One newsletter: an introduction and the posts it tells subscribers about.

    The posts are copied into IssuePost rows when the issue is composed, so the
    issue is a record of what was sent; people never imports posts (DESIGN.md).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENDING = "sending", "Sending"
        PAUSED = "paused", "Paused"
        SENT = "sent", "Sent"

    subject = models.CharField(
        max_length=150, help_text="The email's subject line, and the title of its web page."
    )
    slug = models.SlugField(
        max_length=150,
        unique=True,
        help_text="Its web address in the newsletter archive once it has been sent.",
    )
    introduction = rich_text_field(
        blank=True, help_text="A few sentences above the list of posts. Keep it short."
    )
    status = models.CharField(max_length=8, choices=Status, default=Status.DRAFT, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    started_at = models.DateTimeField("sending started at", null=True, blank=True, editable=False)
    sent_at = models.DateTimeField("sending finished at", null=True, blank=True, editable=False)
    # Only the batch task carrying this token may go on sending (people.sending): starting,
    # resuming and a worker's start-up each issue a new one, so one chain runs at a time.
    batch_token = models.CharField(max_length=32, blank=True, editable=False)

    objects = NewsletterIssueQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "newsletter issue"
        permissions = [("send_newsletterissue", "Can send newsletter issues")]

    def __str__(self):
        return self.subject

    def save(self, *args, **kwargs):
        # The only form in which the introduction is stored, and so marked safe anywhere.
        self.introduction = sanitize_html(self.introduction)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("people:newsletter-issue", kwargs={"slug": self.slug})

    @property
    def editable(self):
        return self.status == self.Status.DRAFT

    @property
    def private_to_staff(self):
        """Until sent, writing it changes nothing the public sees (flse_hub.freshness)."""
        return self.status != self.Status.SENT


class IssuePost(models.Model):
    """A post as the issue tells of it: copied from posts when the issue is composed."""

    issue = models.ForeignKey(NewsletterIssue, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    post_id = models.PositiveIntegerField(help_text="The post's id in the posts app.")
    title = models.CharField(max_length=250)
    path = models.CharField(max_length=500, help_text="The post's address on the site.")
    summary = models.TextField(blank=True)
    topic_slugs = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "post_id"], name="one_item_per_post_per_issue")
        ]

    def __str__(self):
        return self.title


class Delivery(models.Model):
    """One subscriber's copy of one issue: created, all at once, before anything is sent."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Not sent"
        # The worker stopped after handing the message over and before hearing back:
        # the server may or may not have it, so it is not sent again by itself.
        UNCERTAIN = "uncertain", "Uncertain (worker stopped mid-send)"

    issue = models.ForeignKey(NewsletterIssue, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=9, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    sending_worker = models.CharField(max_length=64, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "subscriber"], name="one_delivery_per_subscriber_per_issue"
            )
        ]
        indexes = [models.Index(fields=["issue", "status"], name="delivery_issue_status_idx")]

    def __str__(self):
        return f"{self.issue} to {self.subscriber}"
