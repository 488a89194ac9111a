"""Existing hero images and resource files move into the library and back, with files.

Runs the real migrations (posts 0016-0018) forward and backward over rows made with the
old schema and real files, on local disk or S3 as the run's media storage is.
"""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from PIL import Image as PILImage

from tests.media.conftest import stored_files

BEFORE = [
    ("posts", "0015_slug_help_says_old_addresses_work"),
    ("media", "0001_create_image_document"),
]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png(size=(30, 20)):
    out = io.BytesIO()
    PILImage.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def files():
    """Every stored file and its bytes, on the run's media storage (tests/media/conftest.py)."""
    contents = {}
    for name in stored_files():
        with default_storage.open(name, "rb") as stored:
            contents[name] = stored.read()
    return contents


def store(name, content):
    assert default_storage.save(name, ContentFile(content)) == name


@pytest.mark.django_db(transaction=True)
def test_hero_images_and_resource_files_move_into_the_library_and_back(media_root):
    try:
        old = migrate(BEFORE)
        Post, Resource = old.get_model("posts", "Post"), old.get_model("posts", "Resource")
        store("posts/shared.png", png())
        store("resources/report.pdf", PDF)
        common = {"standfirst": "S", "status": "draft"}
        first = Post.objects.create(
            title="First",
            slug="first",
            hero_image="posts/shared.png",
            hero_image_alt="A red card",
            hero_image_width=30,
            hero_image_height=20,
            **common,
        )
        # The same file on a second post, described differently there.
        second = Post.objects.create(
            title="Second",
            slug="second",
            hero_image="posts/shared.png",
            hero_image_alt="Red, on the second post",
            hero_image_width=30,
            hero_image_height=20,
            **common,
        )
        # A file lost before the migration still gets its record: nothing is dropped.
        lost = Post.objects.create(
            title="Lost", slug="lost", hero_image="posts/gone.jpg", hero_image_alt="Gone", **common
        )
        plain = Post.objects.create(title="Plain", slug="plain", **common)
        report = Resource.objects.create(
            post=first, title="Report", description="2024", file="resources/report.pdf"
        )
        link = Resource.objects.create(post=first, title="Link", url="https://example.org/")
        before_rows = {
            p.pk: (p.hero_image.name, p.hero_image_alt, p.hero_image_width, p.hero_image_height)
            for p in Post.objects.all()
        }
        before_files = files()

        new = migrate(latest())
        Post, Resource = new.get_model("posts", "Post"), new.get_model("posts", "Resource")
        Image, Document = new.get_model("media", "Image"), new.get_model("media", "Document")
        assert Image.objects.count() == 2  # shared.png once, gone.jpg once
        shared = Image.objects.get(file="posts/shared.png")
        assert (shared.alt, shared.width, shared.height, shared.decorative) == (
            "A red card",
            30,
            20,
            False,
        )
        assert Post.objects.get(pk=first.pk).hero_image_id == shared.pk
        assert Post.objects.get(pk=first.pk).hero_image_alt == ""  # the library's is used
        moved_second = Post.objects.get(pk=second.pk)
        assert (moved_second.hero_image_id, moved_second.hero_image_alt) == (
            shared.pk,
            "Red, on the second post",
        )
        assert Post.objects.get(pk=lost.pk).hero_image.file.name == "posts/gone.jpg"
        assert Post.objects.get(pk=plain.pk).hero_image_id is None
        document = Document.objects.get()
        assert (document.file.name, document.title, document.description) == (
            "resources/report.pdf",
            "Report",
            "2024",
        )
        assert (document.size, document.file_type) == (len(PDF), "pdf")
        assert Resource.objects.get(pk=report.pk).document_id == document.pk
        assert Resource.objects.get(pk=link.pk).document_id is None
        assert files() == before_files

        old = migrate(BEFORE)
        Post, Resource = old.get_model("posts", "Post"), old.get_model("posts", "Resource")
        after_rows = {
            p.pk: (p.hero_image.name, p.hero_image_alt, p.hero_image_width, p.hero_image_height)
            for p in Post.objects.all()
        }
        assert after_rows == before_rows
        assert Resource.objects.get(pk=report.pk).file.name == "resources/report.pdf"
        assert Resource.objects.get(pk=link.pk).file.name == ""
        assert files() == before_files

        # Forward again finds the records it made the first time.
        new = migrate(latest())
        assert new.get_model("media", "Image").objects.count() == 2
        assert new.get_model("media", "Document").objects.count() == 1
        assert files() == before_files
    finally:
        migrate(latest())
