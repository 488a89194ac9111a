"""Existing hero images and resource files move into the library and back, with files.

Runs the real migrations (posts 0016-0018) forward and backward over rows made with the
old schema and real files in a temporary MEDIA_ROOT.
"""

import io

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from PIL import Image as PILImage

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


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "posts").mkdir(parents=True)
    (settings.MEDIA_ROOT / "resources").mkdir()
    return settings.MEDIA_ROOT


def files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.django_db(transaction=True)
def test_hero_images_and_resource_files_move_into_the_library_and_back(media_root):
    try:
        old = migrate(BEFORE)
        Post, Resource = old.get_model("posts", "Post"), old.get_model("posts", "Resource")
        (media_root / "posts/shared.png").write_bytes(png())
        (media_root / "resources/report.pdf").write_bytes(PDF)
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
        before_files = files(media_root)

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
        assert files(media_root) == before_files

        old = migrate(BEFORE)
        Post, Resource = old.get_model("posts", "Post"), old.get_model("posts", "Resource")
        after_rows = {
            p.pk: (p.hero_image.name, p.hero_image_alt, p.hero_image_width, p.hero_image_height)
            for p in Post.objects.all()
        }
        assert after_rows == before_rows
        assert Resource.objects.get(pk=report.pk).file.name == "resources/report.pdf"
        assert Resource.objects.get(pk=link.pk).file.name == ""
        assert files(media_root) == before_files

        # Forward again finds the records it made the first time.
        new = migrate(latest())
        assert new.get_model("media", "Image").objects.count() == 2
        assert new.get_model("media", "Document").objects.count() == 1
        assert files(media_root) == before_files
    finally:
        migrate(latest())
