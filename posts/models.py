import html
import math
import re
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from flse_hub.renditions.lookup import RenditionsQuerySetMixin
from flse_hub.rich_text import rich_text_field
from people.models import Person
from posts.media.body import record_body_images, resolve_body_images
from posts.sanitize import sanitize_html

WORDS_PER_MINUTE = 200
# Where one block of the body ends and the next begins: a word boundary when counting.
BLOCK_BREAKS = re.compile(r"</(?:p|h[1-6]|li|blockquote)>|<br\s*/?>", re.IGNORECASE)

# Crossref's recommended pattern for modern DOIs (it matches all but a few
# hundred thousand old ones). Braces, quotes, spaces and "<" never appear in it,
# so a DOI cannot break out of a citation field or a link.
DOI_PATTERN = r"^10\.\d{4,9}/[-._;()/:A-Z0-9]+\Z"
doi_validator = RegexValidator(
    DOI_PATTERN,
    flags=re.IGNORECASE,
    message="Enter the DOI alone, as Crossref writes it: 10. then 4 to 9 digits, a slash, and "
    "letters, digits or - . _ ; ( ) / : — e.g. 10.1108/HCS-12-2021-0043 (without "
    "https://doi.org/).",
)

# Links readers follow from our pages: the web only. A javascript:, data: or
# vbscript: address would run in the reader's browser as our site.
WEB_URL_PREFIXES = ("http://", "https://")
web_url_validator = URLValidator(
    schemes=["http", "https"], message="Enter a web address that starts with https:// or http://."
)


def is_web_url(value):
    """Whether `value` is an http(s) address: the rule the database enforces on link fields."""
    return value.lower().startswith(WEB_URL_PREFIXES)


def web_url_condition(field):
    """A CheckConstraint condition: `field` is empty or an http(s) address, in any letter case."""
    return (
        Q(**{field: ""})
        | Q(**{f"{field}__istartswith": WEB_URL_PREFIXES[0]})
        | Q(**{f"{field}__istartswith": WEB_URL_PREFIXES[1]})
    )


def doi_link(doi):
    """The doi.org address of `doi`, percent-encoded as the DOI Handbook asks."""
    return f"https://doi.org/{quote(doi, safe='/:;()')}" if doi else ""


class Topic(TagBase):
    """A subject posts are tagged with; each has its own landing page."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, allow_unicode=False)
    description = models.TextField(
        blank=True, help_text="A sentence or two introducing the topic on its page."
    )
    quick_exit = models.BooleanField(
        "sensitive: show “Exit this page”",
        default=False,
        help_text="Tick for topics such as domestic abuse. Every post with this topic gets an "
        "“Exit this page” button (and a Shift-three-times shortcut) that swaps the page for a "
        "neutral website, for readers who may be watched.",
    )

    class Meta:
        ordering = ["name"]

    def get_absolute_url(self):
        return reverse("posts:topic", kwargs={"slug": self.slug})

    def slugify(self, tag, i=None):
        slug = slugify(tag)
        return f"{slug}-{i}" if i is not None else slug


class TaggedPost(TaggedItemBase):
    # Named so that revisions can follow a post's topics (posts/revisions.py).
    content_object = models.ForeignKey("Post", on_delete=models.CASCADE, related_name="topic_links")
    tag = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="tagged_posts")

    @property
    def private_to_staff(self):
        return _of_working_draft(self.content_object_id)

    class Meta:
        verbose_name = "post topic"
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="unique_topic_per_post")
        ]


def _of_working_draft(post_id):
    """Whether the post `post_id` is a working draft: rows attached to one are staff-only."""
    return Post._base_manager.filter(pk=post_id, draft_of__isnull=False).exists()


class PostQuerySet(RenditionsQuerySetMixin, models.QuerySet):
    def published(self):
        """Posts the public may see: published, with a publication time not in the future."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=timezone.now())

    def with_card_data(self):
        """Prefetch what a post card shows (public bylines, topics, image renditions)."""
        cards = self.defer("body").select_related("hero_image")
        cards = cards.with_renditions("hero_image__file")
        return cards.prefetch_related(
            Prefetch(
                "credits",
                queryset=Credit.objects.filter(role=Credit.Role.AUTHOR).select_related("person"),
                to_attr="author_credits",
            ),
            "topics",
        )

    def credited_publicly_to(self, person):
        """Posts on which `person` is named (not anonymously) as author or contact."""
        return self.filter(
            pk__in=Credit.objects.filter(person=person, anonymous=False).values("post_id")
        )


class Post(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=250)
    # Unique among posts the public may reach (constraint below); a working draft may carry
    # its live post's slug, or the new one it will publish with.
    slug = models.SlugField(
        max_length=250,
        help_text="The post's web address. If you change it after publishing, the old address "
        "keeps working: it sends readers (and citations) to the new one.",
    )
    standfirst = models.TextField(
        help_text="The summary paragraph shown under the title, on post cards and in search "
        "results. One or two sentences."
    )
    body = rich_text_field(images=True, blank=True)
    content_note = models.CharField(
        max_length=300,
        blank=True,
        help_text="A warning shown before the post, e.g. ‘This post discusses domestic abuse.’",
    )
    hero_image = models.ForeignKey(
        "media.Image",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hero_of_posts",
        verbose_name="image",
        help_text="Shown at the top of the post and when it is shared. Its description, "
        "caption and credit come from the media library.",
    )
    hero_image_alt = models.CharField(
        "image description for this post",
        max_length=250,
        blank=True,
        help_text="Optional. Replaces the library's description of the image on this post only.",
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        "publication date",
        null=True,
        blank=True,
        help_text="Leave empty to publish now. A future date schedules the post.",
    )
    featured = models.BooleanField(default=False, help_text="Show on the home page.")
    doi = models.CharField(
        "DOI",
        max_length=200,
        blank=True,
        validators=[doi_validator],
        help_text="If this post itself has a DOI, e.g. 10.1108/HCS-12-2021-0043.",
    )
    seo_title = models.CharField(
        "search engine title",
        max_length=70,
        blank=True,
        help_text="Optional. Replaces the title in browser tabs and search engines.",
    )
    seo_description = models.CharField(
        "search engine description",
        max_length=300,
        blank=True,
        help_text="Optional. Replaces the standfirst in search engine listings.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The writer who owns the post: writers may edit only their own drafts (posts.roles).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="writer",
    )
    # Set on a working draft: the staff-only copy of a live post that its edits go into
    # until an editor publishes them (posts/drafts.py). Never published itself.
    draft_of = models.OneToOneField(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="working_draft",
    )

    topics = TaggableManager(
        through=TaggedPost,
        blank=True,
        verbose_name="topics",
        help_text="Choose existing topics; new ones are added under Topics.",
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        # Checked by posts.workflow for every path that changes a post's state.
        permissions = [
            ("publish_post", "Can publish, schedule and unpublish posts"),
            ("review_post", "Can review posts and send them back to draft"),
            ("change_any_post", "Can edit any post, including others' and live ones"),
        ]
        indexes = [
            models.Index(fields=["status", "published_at"], name="post_status_published_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="published_post_has_date",
            ),
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(draft_of__isnull=True),
                name="unique_slug_of_post",
                violation_error_message="Another post already has this web address.",
            ),
            models.CheckConstraint(
                condition=Q(draft_of__isnull=True) | ~Q(status="published"),
                name="working_draft_never_published",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body = sanitize_html(self.body)
        self._publish_now_if_undated()
        # The search index is updated from post_save; one transaction keeps the two in step.
        with transaction.atomic(using=kwargs.get("using")):
            self.body, image_ids = resolve_body_images(self.body)
            before = self._stored_address(kwargs.get("using"), kwargs.get("update_fields"))
            super().save(*args, **kwargs)
            self._keep_slug_history(before)
            PostBodyImage.record(self, image_ids)

    def get_absolute_url(self):
        return reverse("posts:detail", kwargs={"slug": self.slug})

    def _stored_address(self, using, update_fields):
        """(slug, published_at) as stored before this save; None if new or the slug is not saved."""
        if self._state.adding or (update_fields is not None and "slug" not in update_fields):
            return None
        return (
            Post.objects.using(using or "default")
            .filter(pk=self.pk)
            .values_list("slug", "published_at")
            .first()
        )

    def _keep_slug_history(self, before):
        """Links to a public post's old address keep working; a post taking a slug owns it."""
        old_slug, old_published_at = before or (None, None)
        # A working draft's slug is only a proposal until it is published onto its post.
        if old_slug == self.slug or self.draft_of_id:
            return
        # The live post wins: its address is never also a former one (and so never a loop).
        FormerSlug.objects.filter(slug=self.slug).delete()
        if old_slug and old_published_at and old_published_at <= timezone.now():
            record_slug_change(self, old_slug)

    def clean(self):
        # Runs before the constraint checks of a form: "publish" with no date means now.
        self._publish_now_if_undated()
        if self.is_working_draft and self.slug:
            # Checked here, as the database's rule covers only posts the public may reach.
            taken = Post.objects.filter(slug=self.slug, draft_of__isnull=True).exclude(
                pk=self.draft_of_id
            )
            if taken.exists():
                raise ValidationError({"slug": "Another post already has this web address."})

    def _publish_now_if_undated(self):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()

    @property
    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_working_draft(self):
        return self.draft_of_id is not None

    @property
    def private_to_staff(self):
        """Whether writing this row changes nothing public (flse_hub.freshness asks)."""
        return self.is_working_draft

    @property
    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and not self.is_published

    @property
    def word_count(self):
        """Words in the body, as the admin's live counter (static/js/admin-word-count.js) counts.

        The end of a block is a space: "<p>one</p><p>two</p>" is two words, not "onetwo";
        "&amp;" is the "&" a reader sees, not the word "amp".
        """
        text = html.unescape(strip_tags(BLOCK_BREAKS.sub(" ", self.body)))
        return len(re.findall(r"\w+", text))

    @property
    def reading_minutes(self):
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))

    @property
    def shows_updated_date(self):
        """Whether the page should print 'Updated': edited on a later day than published."""
        return bool(
            self.published_at
            and self.updated_at
            and timezone.localdate(self.updated_at) > timezone.localdate(self.published_at)
        )

    @property
    def doi_url(self):
        return doi_link(self.doi)

    @property
    def meta_title(self):
        return self.seo_title or self.title

    @property
    def meta_description(self):
        return self.seo_description or self.standfirst

    @property
    def hero_alt_text(self):
        """The hero's alt text here: this post's own description, else the library's."""
        if not self.hero_image:
            return ""
        return self.hero_image_alt or self.hero_image.alt_text


class Credit(models.Model):
    """A person credited on a post, as author or contact, with the role as printed."""

    class Role(models.TextChoices):
        AUTHOR = "author", "Author"
        CONTACT = "contact", "Contact"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="credits")
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="credits",
        null=True,
        blank=True,
        help_text="Who it is. For an anonymous credit this stays private to staff and may be "
        "left empty.",
    )
    role = models.CharField(max_length=10, choices=Role, default=Role.AUTHOR)
    role_title = models.CharField(
        "role as printed",
        max_length=200,
        blank=True,
        help_text="Their job title when the post was written, e.g. ‘Systems Change Officer’.",
    )
    anonymous = models.BooleanField(
        default=False, help_text="Hide the person's name everywhere the public can see."
    )
    public_label = models.CharField(
        max_length=200,
        blank=True,
        default="Anonymous team member",
        help_text="What the public sees instead of the name of an anonymous author.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["post", "role", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "person", "role"],
                condition=Q(person__isnull=False),
                name="one_credit_per_person_per_role",
            ),
            models.CheckConstraint(
                condition=Q(anonymous=True) | Q(person__isnull=False),
                name="named_credit_has_person",
            ),
            models.CheckConstraint(
                condition=Q(anonymous=False) | ~Q(public_label=""),
                name="anonymous_credit_has_label",
            ),
        ]

    def __str__(self):
        return f"{self.public_name} ({self.get_role_display()})"

    @property
    def private_to_staff(self):
        return _of_working_draft(self.post_id)

    @property
    def public_name(self):
        """The name the public sees: the label for anonymous credits."""
        if self.anonymous:
            return self.public_label
        return self.person.name

    @property
    def public_person(self):
        """The person to link to, or None for anonymous credits."""
        return None if self.anonymous else self.person

    @property
    def public_email(self):
        return "" if self.anonymous or self.person is None else self.person.public_email


def publicly_credited_people():
    """People named (not anonymously) on at least one published post: those with a page.

    A person whose only published work is anonymous has no public page or feed: its
    existence alone would hint at who wrote those posts. Looking them up by slug is one
    query whether the slug is unknown or belongs to such a person, so neither the answer
    nor its timing tells an outsider that the record exists.
    """
    named = Credit.objects.filter(
        person=OuterRef("pk"), anonymous=False, post__in=Post.objects.published()
    )
    return Person.objects.filter(Exists(named))


class Resource(models.Model):
    """A toolkit, report, article or link attached to a post."""

    class Kind(models.TextChoices):
        TOOLKIT = "toolkit", "Toolkit"
        REPORT = "report", "Report"
        ARTICLE = "article", "Journal article"
        LINK = "link", "Link"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="resources")
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.LINK)
    title = models.CharField(max_length=300)
    description = models.CharField(
        max_length=300, blank=True, help_text="Optional, e.g. the journal or publisher."
    )
    url = models.URLField(
        "web address",
        max_length=500,
        blank=True,
        validators=[web_url_validator],
        help_text="Starts with https:// (or http://).",
    )
    document = models.ForeignKey(
        "media.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name="file",
        help_text="A file from the media library (PDF, Word, Excel, PowerPoint, OpenDocument, "
        "CSV, plain text or an image).",
    )
    doi = models.CharField(
        "DOI",
        max_length=200,
        blank=True,
        validators=[doi_validator],
        help_text="For a journal article, e.g. 10.1108/HCS-12-2021-0043.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["post", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(url="") | Q(document__isnull=False) | ~Q(doi=""),
                name="resource_has_link_document_or_doi",
            ),
            # The validator guards forms; this guards every other way in (imports, the ORM).
            models.CheckConstraint(
                condition=web_url_condition("url"),
                name="resource_url_is_web_address",
                violation_error_message="A resource's web address must start with https:// "
                "or http://.",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def private_to_staff(self):
        return _of_working_draft(self.post_id)

    @property
    def doi_url(self):
        return doi_link(self.doi)

    # What a library document used by a resource counts as used in (posts.media.usage).
    library_owner = "post"

    @property
    def href(self):
        """Where the resource links to: its file, its web address or its DOI; "" if none is safe."""
        if self.document_id:
            return self.document.file.url
        # The database refuses other schemes; this also covers a row that predates that rule.
        if self.url and is_web_url(self.url):
            return self.url
        return self.doi_url


class ReviewEvent(models.Model):
    """One step of a post through the review workflow (posts.workflow), with who and why."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="review_events")
    from_status = models.CharField(max_length=10, choices=Post.Status)
    to_status = models.CharField(max_length=10, choices=Post.Status)
    # When the step made the post public or scheduled it: the emails say when.
    published_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True, max_length=2000)
    # Set by the background task once the step's emails are sent: a rerun sends none.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["post", "-at"], name="reviewevent_post_at_idx")]

    def __str__(self):
        return f"{self.post}: {self.get_from_status_display()} → {self.get_to_status_display()}"


class FormerSlug(models.Model):
    """An address a published post used to have, answered with a 301 to where it is now.

    It points at the post, not at the next slug, so a post renamed twice sends both old
    addresses straight to the current one: there are no chains to follow.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="former_slugs")
    slug = models.SlugField(max_length=250, unique=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "former address"
        ordering = ["-changed_at"]

    def __str__(self):
        return f"{self.slug} → {self.post.slug}"


def record_slug_change(post, old_slug):
    """Keep `old_slug` answering for `post` (Post.save calls this; so may other publish paths)."""
    if old_slug and old_slug != post.slug:
        FormerSlug.objects.update_or_create(
            slug=old_slug, defaults={"post": post, "changed_at": timezone.now()}
        )


class PostBodyImage(models.Model):
    """A library image shown in a post's body: kept in step with the body on every save.

    PROTECT makes the library refuse to delete an image some body still shows.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="body_image_uses")
    image = models.ForeignKey("media.Image", on_delete=models.PROTECT, related_name="body_uses")

    class Meta:
        verbose_name = "image in a post's body"
        verbose_name_plural = "images in posts' bodies"
        constraints = [
            models.UniqueConstraint(fields=["post", "image"], name="one_body_use_per_image")
        ]

    def __str__(self):
        return f"In the body of “{self.post}”"

    library_owner = "post"

    @classmethod
    def record(cls, post, image_ids):
        record_body_images(cls, "post", post, image_ids)


# Preview links and contributors' answers belong to this app; importing them registers them.
from posts.previews.models import ContributorResponse, PreviewLink  # noqa: E402, F401

# The search index's tables belong to this app; importing them here registers them.
from posts.search.models import SearchDocument, SearchPending, SearchTerm  # noqa: E402, F401
