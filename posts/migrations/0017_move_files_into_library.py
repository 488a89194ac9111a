# Existing hero images and resource files become library records. Nothing is copied
# or renamed: a record takes over the stored file's name, so no file can be lost, and
# a file that has gone missing still gets its record (and its row in the reverse).
# Running forward again after a reverse finds the same records by file name.

import posixpath

from django.db import migrations

from flse_hub.uploads import TYPES


def _size(storage, name):
    try:
        return storage.size(name)
    except OSError:
        return None


def into_library(apps, schema_editor):
    Post = apps.get_model("posts", "Post")
    Resource = apps.get_model("posts", "Resource")
    Image = apps.get_model("media", "Image")
    Document = apps.get_model("media", "Document")
    storage = Image._meta.get_field("file").storage

    heroes = (
        Post.objects.exclude(hero_image="")
        .filter(hero_library_image__isnull=True)
        .order_by("pk")
        .values_list("pk", "title", "hero_image", "hero_image_alt", "hero_image_width",
                     "hero_image_height", "created_at")
    )  # fmt: skip
    for pk, title, name, alt, width, height, created_at in heroes.iterator():
        image = Image.objects.filter(file=name).order_by("pk").first()
        if image is None:
            image = Image.objects.create(
                title=title[:250],
                file=name,
                width=width,
                height=height,
                # Every hero had a required description (post_image_has_alt_text).
                alt=alt or title[:250],
                uploaded_at=created_at,
            )
        # The post keeps its own description only where it differs from the library's.
        Post.objects.filter(pk=pk).update(
            hero_library_image=image, hero_image_alt="" if alt == image.alt else alt
        )

    files = (
        Resource.objects.exclude(file="")
        .filter(document__isnull=True)
        .order_by("pk")
        .values_list("pk", "title", "description", "file", "post__created_at")
    )
    for pk, title, description, name, created_at in files.iterator():
        document = Document.objects.filter(file=name).order_by("pk").first()
        if document is None:
            extension = posixpath.splitext(name)[1].lstrip(".").lower()
            document = Document.objects.create(
                title=title[:300],
                description=description,
                file=name,
                size=_size(storage, name),
                file_type=extension if extension in TYPES else "",
                uploaded_at=created_at,
            )
        Resource.objects.filter(pk=pk).update(document=document)


def out_of_library(apps, schema_editor):
    """The old fields filled again from the records. The records stay (in the media app)."""
    Post = apps.get_model("posts", "Post")
    Resource = apps.get_model("posts", "Resource")
    heroes = Post.objects.filter(hero_library_image__isnull=False).values_list(
        "pk", "hero_image_alt", "hero_library_image__file", "hero_library_image__alt",
        "hero_library_image__title", "hero_library_image__width", "hero_library_image__height",
    )  # fmt: skip
    for pk, own_alt, name, alt, title, width, height in heroes.iterator():
        Post.objects.filter(pk=pk).update(
            hero_image=name,
            # The old schema wants a description with every hero; a decorative image has
            # none, so its title stands in.
            hero_image_alt=own_alt or alt or title[:250],
            hero_image_width=width,
            hero_image_height=height,
        )
    files = Resource.objects.filter(document__isnull=False).values_list("pk", "document__file")
    for pk, name in files.iterator():
        Resource.objects.filter(pk=pk).update(file=name)


class Migration(migrations.Migration):
    dependencies = [
        ("media", "0001_create_image_document"),
        ("posts", "0016_media_library"),
    ]

    operations = [migrations.RunPython(into_library, out_of_library)]
