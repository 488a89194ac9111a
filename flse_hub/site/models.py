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
