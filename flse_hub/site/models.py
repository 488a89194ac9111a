import re
from html import unescape

import reversion
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from flse_hub.rich_text import rich_text_field, sanitize_html
from flse_hub.site.pages import validate_page_slug


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
    body = rich_text_field(blank=True)
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
        self.body = sanitize_html(self.body)
        self.search_text = plain_text(self.body)
        self._publish_now_if_undated()
        super().save(*args, **kwargs)

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
