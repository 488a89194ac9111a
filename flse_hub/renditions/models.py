from django.db import models


class Rendition(models.Model):
    """A resized copy of a stored image, keyed on the source's storage name.

    Keyed on the name, not on a model, so that any image field (a post's hero, a
    person's photo, a media library image) gets renditions the same way. Made by the
    worker (flse_hub.renditions.tasks), never in a reader's request.
    """

    class Format(models.TextChoices):
        WEBP = "webp", "WebP"
        AVIF = "avif", "AVIF"
        JPEG = "jpg", "JPEG"
        PNG = "png", "PNG"

    source = models.CharField(max_length=255, help_text="Storage name of the original image.")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=4, choices=Format.choices)
    name = models.CharField(max_length=255, unique=True, help_text="Storage name of this file.")
    bytes = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "format", "width"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "format", "width"], name="rendition_one_per_source_format_width"
            )
        ]

    def __str__(self):
        return f"{self.source} {self.width}w {self.format}"

    @property
    def content_type(self):
        return f"image/{'jpeg' if self.format == 'jpg' else self.format}"
