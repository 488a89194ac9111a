"""The media library: images and documents stored once and used by any number of posts.

Files are checked, re-encoded and named by flse_hub.uploads exactly as before the
library existed; a record's file leaves storage after the record is deleted (the
after-commit removal of flse_hub.uploads). Records in use cannot be deleted: every
foreign key to them is PROTECT, and `usages()` lists where each is used.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from flse_hub.renditions.lookup import RenditionsQuerySetMixin
from flse_hub.uploads import (
    DOCUMENT,
    IMAGE,
    TYPES,
    RandomName,
    ValidatedFileField,
    ValidatedImageField,
    prepare_upload,
)

FOCAL_STEPS = 10  # object-position classes go in tenths: .focal-x-0 … .focal-x-100


class ImageQuerySet(RenditionsQuerySetMixin, models.QuerySet):
    """`.with_renditions("file")`: a page of thumbnails looks renditions up in one query."""


class Image(models.Model):
    title = models.CharField(
        max_length=250, help_text="For finding the image in the library; not shown to readers."
    )
    file = ValidatedImageField(
        "image",
        upload_to=RandomName("images"),
        width_field="width",
        height_field="height",
        help_text="A JPEG, PNG, WebP or GIF. It is saved afresh, which removes location and "
        "other hidden data from photos.",
    )
    # Filled when the image is saved, so that pages never open the file to size it.
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    alt = models.CharField(
        "image description (alt text)",
        max_length=250,
        blank=True,
        help_text="Describe the image for people who cannot see it, e.g. ‘Two support workers "
        "talking on a park bench’. Required unless the image is decorative.",
    )
    decorative = models.BooleanField(
        "decorative only",
        default=False,
        help_text="Tick only if the image adds nothing a reader would miss; screen readers "
        "then skip it. Leave the description empty.",
    )
    caption = models.CharField(
        max_length=500, blank=True, help_text="Shown under the image. Optional."
    )
    credit = models.CharField(
        max_length=250, blank=True, help_text="Who took or made it, e.g. ‘Photo: Sam Jones’."
    )
    licence = models.CharField(
        max_length=250,
        blank=True,
        help_text="Under what terms we may use it, e.g. ‘CC BY 4.0’ or ‘Used with permission’.",
    )
    focal_x = models.FloatField(
        "focal point across",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="0 is the left edge, 1 the right. Click the image to set it.",
    )
    focal_y = models.FloatField(
        "focal point down",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="0 is the top edge, 1 the bottom.",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            # Decorative is a choice, not what an empty description means by accident.
            models.CheckConstraint(
                condition=(Q(decorative=True) & Q(alt="")) | (Q(decorative=False) & ~Q(alt="")),
                name="image_alt_or_decorative",
                violation_error_message="Describe the image, or tick “decorative only” (and "
                "leave the description empty) if it adds nothing a reader would miss.",
            ),
            models.CheckConstraint(
                condition=Q(focal_x__isnull=True, focal_y__isnull=True)
                | Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="image_focal_point_in_image",
                violation_error_message="Give both focal point numbers, each from 0 to 1, or "
                "neither.",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def alt_text(self):
        """What goes in alt="": the description, or nothing for a decorative image."""
        return "" if self.decorative else self.alt

    @property
    def focal_classes(self):
        """CSS classes placing a cropped display on the focal point (CSP allows no style="")."""
        if self.focal_x is None or self.focal_y is None:
            return ""
        x = round(self.focal_x * FOCAL_STEPS) * (100 // FOCAL_STEPS)
        y = round(self.focal_y * FOCAL_STEPS) * (100 // FOCAL_STEPS)
        return f"focal-x-{x} focal-y-{y}"

    @property
    def crop_classes(self):
        """The classes of a cropped display: `crop` and, when set, the focal point's."""
        return f"crop {self.focal_classes}".strip()

    @property
    def object_position(self):
        """The focal point as CSS object-position (50% 50% when none is set)."""
        if self.focal_x is None or self.focal_y is None:
            return "50% 50%"
        return f"{self.focal_x * 100:g}% {self.focal_y * 100:g}%"


class Document(models.Model):
    title = models.CharField(max_length=300)
    file = ValidatedFileField(
        upload_to=RandomName("documents"),
        accept=(DOCUMENT, IMAGE),
        help_text="A PDF, a Word, Excel or PowerPoint file, an OpenDocument file, a CSV or "
        "plain-text file, or an image.",
    )
    description = models.TextField(blank=True, max_length=1000)
    size = models.PositiveBigIntegerField("size in bytes", null=True, blank=True, editable=False)
    # The extension of the type detected from the content (flse_hub.uploads.TYPES).
    file_type = models.CharField("type", max_length=10, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.file and not self.file._committed:
            # The same (cached) check the field's validator and save run: one decode.
            prepared = prepare_upload(self.file.file, self.file.field.accept)
            self.file_type = prepared.type.extension
            prepared.content.seek(0, 2)
            self.size = prepared.content.tell()
            prepared.content.seek(0)
        super().save(*args, **kwargs)

    @property
    def type_label(self):
        kind = TYPES.get(self.file_type)
        return kind.label if kind else ""
