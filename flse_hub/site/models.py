import re
from html import unescape
from importlib import import_module

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from flse_hub.rich_text import rich_text_field, sanitize_html_with_images
from flse_hub.site.pages import validate_page_slug
from flse_hub.uploads import RandomName, ValidatedImageField


class ContentVersion(models.Model):
    """When what the public sees last changed: one row, moved by flse_hub.freshness.bump()."""

    number = models.PositiveBigIntegerField(
        default=1, help_text="Counts every change; a key for caches that must not mix versions."
    )
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="one_content_version")]

    def __str__(self):
        return f"Content version {self.number} ({self.changed_at:%Y-%m-%d %H:%M:%S})"


class DemoContentLoad(models.Model):
    """A set of demo content this database has had, so it is loaded once and never again.

    Without it, a load matched posts by slug, so every `make run` brought back the
    demo posts staff had deleted and added a second copy of one whose slug they changed.
    """

    name = models.CharField(max_length=50, unique=True)
    loaded_at = models.DateTimeField()

    class Meta:
        verbose_name = "demo content load"

    def __str__(self):
        return f"{self.name} demo content, loaded {self.loaded_at:%Y-%m-%d %H:%M}"


class PageQuerySet(models.QuerySet):
    def published(self):
        """Pages the public may see: published, with a publication time not in the future."""
        return self.filter(status=Page.Status.PUBLISHED, published_at__lte=timezone.now())


@reversion.register()
class Page(models.Model):
    """A standalone page staff write (About us, Contact, Privacy notice), at /<slug>/."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=100,
        unique=True,
        validators=[validate_page_slug],
        help_text="The page's web address: “about” makes /about/. Changing it after "
        "publishing breaks links to it. The newsletter links to the page “privacy”.",
    )
    body = rich_text_field(images=True, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        "publication date",
        null=True,
        blank=True,
        help_text="Leave empty to publish now. A future date schedules the page.",
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
        help_text="Optional, but search engines show it under the title: one or two "
        "sentences saying what the page is for.",
    )
    # Plain text of the body, kept for site search (its index reads columns, not HTML).
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        indexes = [
            models.Index(fields=["status", "published_at"], name="page_status_published_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="published_page_has_date",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        body_images = import_module(settings.BODY_IMAGES_MODULE)
        self.body, image_ids = body_images.resolve_body_images(sanitize_html_with_images(self.body))
        self.search_text = plain_text(self.body)
        self._publish_now_if_undated()
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            body_images.record_body_images(PageBodyImage, "page", self, image_ids)

    def get_absolute_url(self):
        return reverse("site:page", kwargs={"slug": self.slug})

    def clean(self):
        # Runs before the constraint checks of a form: "publish" with no date means now.
        self._publish_now_if_undated()

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
    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and not self.is_published

    @property
    def meta_title(self):
        return self.seo_title or self.title

    @property
    def meta_description(self):
        return self.seo_description or Truncator(self.search_text).words(30)


def plain_text(html):
    """The words of sanitised HTML, block elements separated by spaces."""
    spaced = re.sub(r"<(?:/p|br|/h[2-4]|/li|/blockquote)>", " \\g<0>", html)
    return " ".join(unescape(strip_tags(spaced)).split())


class PageBodyImage(models.Model):
    """A library image shown in a page's body: kept in step with the body on every save.

    PROTECT makes the library refuse to delete an image a page still shows, and lists
    the page among the image's uses (posts.media.usage).
    """

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="body_image_uses")
    image = models.ForeignKey(
        "media.Image", on_delete=models.PROTECT, related_name="page_body_uses"
    )

    library_owner = "page"

    class Meta:
        verbose_name = "image in a page's body"
        verbose_name_plural = "images in pages' bodies"
        constraints = [
            models.UniqueConstraint(fields=["page", "image"], name="one_page_body_use_per_image")
        ]

    def __str__(self):
        return f"In the body of “{self.page}”"


class Redirect(models.Model):
    """An old address (from the previous website, or a page that moved) and where it went.

    Asked only when the site has nothing at the address (flse_hub.site.redirects), so a
    redirect can never hide a live page and costs a page that exists nothing.
    """

    class Kind(models.IntegerChoices):
        PERMANENT = 301, "Permanent (301): the page has moved for good"
        TEMPORARY = 302, "Temporary (302): the page will come back"

    old_path = models.CharField(
        "old address",
        max_length=500,
        help_text="The path on this site, e.g. /2021/03/some-post/ or /?p=123. A full address "
        "(https://…) is cut down to its path.",
    )
    # The old address's query string, parameters sorted, so that ?a=1&b=2 and ?b=2&a=1 agree.
    old_query = models.CharField(max_length=500, blank=True, editable=False)
    target = models.CharField(
        "new address",
        max_length=1000,
        help_text="A path on this site (/posts/some-post/) or a web address starting with "
        "https:// or http://.",
    )
    status_code = models.PositiveSmallIntegerField("kind", choices=Kind, default=Kind.PERMANENT)
    note = models.CharField(max_length=300, blank=True, help_text="Optional: why it exists.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Written at most once a minute per redirect (flse_hub.site.redirects), never per hit.
    last_used_at = models.DateTimeField("last used", null=True, blank=True, editable=False)

    class Meta:
        ordering = ["old_path", "old_query"]
        constraints = [
            models.UniqueConstraint(fields=["old_path", "old_query"], name="one_redirect_per_path"),
            models.CheckConstraint(
                condition=Q(status_code__in=[301, 302]), name="redirect_is_301_or_302"
            ),
        ]

    def __str__(self):
        return f"{self.old_address} → {self.target}"

    def clean(self):
        from flse_hub.site import redirects

        # The admin's form sets live_check (flse_hub.site.admin): it asks the site itself.
        redirects.clean_redirect(self, live_check=getattr(self, "live_check", None))

    @property
    def old_address(self):
        return f"{self.old_path}?{self.old_query}" if self.old_query else self.old_path

    @property
    def permanent(self):
        return self.status_code == self.Kind.PERMANENT


def validate_theme_colour(value):
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value or ""):
        raise ValidationError(
            "Write the colour as # followed by six hexadecimal digits, e.g. #0b5563.",
            code="theme_colour",
        )


def validate_link_address(value):
    """An address on this site ("/about/") or a web address (https://…); nothing else.

    "//host/…" and "/\\host" are refused: browsers read both as another site's address.
    """
    if value.startswith("/"):
        if value.startswith("//") or "\\" in value or any(c.isspace() for c in value):
            raise ValidationError(
                "An address on this site starts with a single / and has no spaces or "
                "backslashes, e.g. /about/.",
                code="link_path",
            )
        return
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationError(
            "Give an address on this site starting with / (e.g. /about/) or a full web "
            "address starting with https:// or http://.",
            code="link_address",
        ) from None


def validate_https_url(value):
    try:
        URLValidator(schemes=["https"])(value)
    except ValidationError:
        raise ValidationError(
            "Give the full address starting with https://, e.g. https://www.linkedin.com/….",
            code="https_url",
        ) from None


class SiteSettings(models.Model):
    """The organisation's identity on every page: one row (pk=1), edited in the admin.

    Read through flse_hub.site.identity, never queried by templates.
    """

    site_name = models.CharField(
        max_length=200, help_text="Shown in the header, page titles and the browser's tab."
    )
    short_name = models.CharField(
        max_length=12,
        blank=True,
        help_text="Up to 12 characters, shown under the icon when someone adds the site to "
        "a phone's home screen. Leave empty to use the site name.",
    )
    organisation_name = models.CharField(
        max_length=200, help_text="The organisation that publishes the site, in the footer."
    )
    logo = ValidatedImageField(
        upload_to=RandomName("site"),
        blank=True,
        width_field="logo_width",
        height_field="logo_height",
        help_text="A PNG (with a transparent background), JPEG, WebP or GIF, at least 512 "
        "pixels wide. Shown in the header; the browser tab and phone icons are made from "
        "it. SVG files are not accepted (see the error message for why).",
    )
    logo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    logo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    logo_alt = models.CharField(
        "logo text alternative",
        max_length=200,
        blank=True,
        help_text='What the logo says, for people who cannot see it, e.g. "Fulfilling '
        'Lives South East logo". Required with a logo.',
    )
    charity_number = models.CharField(
        max_length=40, blank=True, help_text="Registered charity number, as registered."
    )
    company_number = models.CharField(
        max_length=40, blank=True, help_text="Company number at Companies House, if any."
    )
    postal_address = models.TextField(
        max_length=500, blank=True, help_text="One line per line of the address."
    )
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(
        max_length=40, blank=True, help_text="As it should be printed, e.g. 01273 000 000."
    )
    funder_line = models.CharField(
        max_length=300,
        blank=True,
        help_text='e.g. "Funded by The National Lottery Community Fund." Shown in the footer.',
    )
    home_introduction = models.TextField(
        max_length=2000,
        blank=True,
        help_text="Plain text under the home page's heading; a blank line starts a new "
        "paragraph. Leave empty for the standard introduction.",
    )
    share_image = ValidatedImageField(
        upload_to=RandomName("site"),
        blank=True,
        width_field="share_image_width",
        height_field="share_image_height",
        help_text="Shown when a page is shared on social media and has no image of its own. "
        "1200 × 630 pixels works everywhere.",
    )
    share_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    share_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    share_image_alt = models.CharField(
        "share image text alternative",
        max_length=200,
        blank=True,
        help_text="What the share image shows. Required with a share image.",
    )
    theme_colour = models.CharField(
        max_length=7,
        default="#0b5563",
        validators=[validate_theme_colour],
        help_text="The colour phones give the browser bar and the home-screen app, e.g. #0b5563.",
    )

    class Meta:
        verbose_name = "site settings"
        verbose_name_plural = "site settings"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="one_site_settings")]

    def __str__(self):
        return "Site settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if self.logo and not self.logo_alt.strip():
            errors["logo_alt"] = "Describe the logo for people who cannot see it."
        if self.share_image and not self.share_image_alt.strip():
            errors["share_image_alt"] = "Describe the share image for people who cannot see it."
        if errors:
            raise ValidationError(errors)


class NavigationLink(models.Model):
    """A link in a menu: to a topic, or to an address (on this site or another)."""

    site_settings = models.ForeignKey(SiteSettings, on_delete=models.CASCADE)
    order = models.PositiveSmallIntegerField(
        default=0, help_text="Links are shown from the lowest number up."
    )
    label = models.CharField(
        max_length=60, blank=True, help_text="The link's words. Leave empty for a topic's name."
    )
    topic = models.ForeignKey(
        "posts.Topic",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Link to this topic's page…",
    )
    address = models.CharField(
        max_length=500,
        blank=True,
        validators=[validate_link_address],
        help_text="…or to this address: on this site starting with / (e.g. /about/), or a "
        "full web address (https://…).",
    )

    class Meta:
        abstract = True
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text()

    def clean(self):
        if bool(self.topic_id) == bool(self.address):
            raise ValidationError("Choose a topic or give an address (one of the two).")
        if self.address and not self.label.strip():
            raise ValidationError({"label": "Give the link's words."})

    def text(self):
        return self.label or (self.topic.name if self.topic_id else self.address)

    def url(self):
        return self.topic.get_absolute_url() if self.topic_id else self.address


def _one_target(name):
    has_topic = Q(topic__isnull=False)
    has_address = ~Q(address="")
    return models.CheckConstraint(
        condition=(has_topic & ~has_address) | (~has_topic & has_address), name=name
    )


class HeaderLink(NavigationLink):
    class Meta(NavigationLink.Meta):
        verbose_name = "header link"
        constraints = [_one_target("header_link_one_target")]


class FooterLink(NavigationLink):
    class Meta(NavigationLink.Meta):
        verbose_name = "footer link"
        constraints = [_one_target("footer_link_one_target")]


class SocialLink(models.Model):
    site_settings = models.ForeignKey(SiteSettings, on_delete=models.CASCADE)
    order = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(max_length=40, help_text='The service\'s name, e.g. "LinkedIn".')
    url = models.URLField(
        "address", max_length=500, validators=[validate_https_url], help_text="https://…"
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = "social media link"

    def __str__(self):
        return self.label
