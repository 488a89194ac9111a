from django.db import models
from django.db.models import Q


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
