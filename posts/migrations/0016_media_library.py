# The media library: posts point at library images and documents. The files move in
# 0016 and the old fields go in 0017; until then both exist, so each step reverses.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("media", "0001_create_image_document"),
        ("posts", "0015_slug_help_says_old_addresses_work"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="hero_library_image",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="hero_of_posts",
                to="media.image",
                verbose_name="image",
            ),
        ),
        migrations.AddField(
            model_name="resource",
            name="document",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="resources",
                to="media.document",
                verbose_name="file",
            ),
        ),
        # The library's image carries the description now; a post's own is an override.
        migrations.RemoveConstraint(model_name="post", name="post_image_has_alt_text"),
        migrations.RemoveConstraint(model_name="resource", name="resource_has_link_file_or_doi"),
        migrations.AddConstraint(
            model_name="resource",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("url", ""), _negated=True),
                    models.Q(("file", ""), _negated=True),
                    ("document__isnull", False),
                    models.Q(("doi", ""), _negated=True),
                    _connector="OR",
                ),
                name="resource_has_link_file_document_or_doi",
            ),
        ),
        migrations.CreateModel(
            name="PostBodyImage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "image",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="body_uses",
                        to="media.image",
                    ),
                ),
                (
                    "post",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="body_image_uses",
                        to="posts.post",
                    ),
                ),
            ],
            options={
                "verbose_name": "image in a post's body",
                "verbose_name_plural": "images in posts' bodies",
                "constraints": [
                    models.UniqueConstraint(fields=("post", "image"), name="one_body_use_per_image")
                ],
            },
        ),  # fmt: skip
    ]
