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
