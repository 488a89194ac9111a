"""What each import of a WordPress export made: the memory that makes a re-run safe.

One row per WordPress item (post, page, attachment, author, term, old address) and the
hub object it became, with two hashes: of the WordPress data it was made from (has it
changed in WordPress?) and of the hub object as the import left it (has someone edited
it here since?). A newer export updates an item only when the first changed and the
second did not.
"""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class ImportedItem(models.Model):
    class Kind(models.TextChoices):
        POST = "post", "Post"
        PAGE = "page", "Page"
        ATTACHMENT = "attachment", "Attachment"
        AUTHOR = "author", "Author"
        TERM = "term", "Category or tag"
        REDIRECT = "redirect", "Old address"

    # The WordPress site the export came from (its <link>): two sites' ids never mix.
    source = models.CharField(max_length=500)
    kind = models.CharField(max_length=10, choices=Kind)
    # The post id, author login, "category:slug" or old address, as WordPress knows it.
    wordpress_id = models.CharField("WordPress id", max_length=500)
    guid = models.CharField("WordPress guid", max_length=1000, blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    hub_object = GenericForeignKey("content_type", "object_id")
    source_hash = models.CharField(max_length=64)
    result_hash = models.CharField(max_length=64)
    imported_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "imported WordPress item"
        ordering = ["source", "kind", "wordpress_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "wordpress_id"], name="one_record_per_wordpress_item"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.wordpress_id} from {self.source}"
