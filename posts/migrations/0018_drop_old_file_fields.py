# The old per-post file fields go; the library's foreign keys take their names.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0017_move_files_into_library"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="resource", name="resource_has_link_file_document_or_doi"
        ),
        migrations.RemoveField(model_name="resource", name="file"),
        migrations.AddConstraint(
            model_name="resource",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("url", ""), _negated=True),
                    ("document__isnull", False),
                    models.Q(("doi", ""), _negated=True),
                    _connector="OR",
                ),
                name="resource_has_link_document_or_doi",
            ),
        ),
        migrations.RemoveField(model_name="post", name="hero_image"),
        migrations.RemoveField(model_name="post", name="hero_image_width"),
        migrations.RemoveField(model_name="post", name="hero_image_height"),
        migrations.RenameField(
            model_name="post", old_name="hero_library_image", new_name="hero_image"
        ),
        migrations.AlterField(
            model_name="post",
            name="hero_image",
            field=models.ForeignKey(
                blank=True,
                help_text="Shown at the top of the post and when it is shared. Its description, caption and credit come from the media library.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="hero_of_posts",
                to="media.image",
                verbose_name="image",
            ),
        ),
        migrations.AlterField(
            model_name="post",
            name="hero_image_alt",
            field=models.CharField(
                blank=True,
                help_text="Optional. Replaces the library's description of the image on this post only.",
                max_length=250,
                verbose_name="image description for this post",
            ),
        ),
        migrations.AlterField(
            model_name="resource",
            name="document",
            field=models.ForeignKey(
                blank=True,
                help_text="A file from the media library (PDF, Word, Excel, PowerPoint, OpenDocument, CSV, plain text or an image).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="resources",
                to="media.document",
                verbose_name="file",
            ),
        ),  # fmt: skip
    ]
