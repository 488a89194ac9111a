"""Uploads are accepted by content, re-encoded if images, and stored under random names.

The corpus (tests/uploads_corpus.py) goes through the model field's validators and
through the real admin form (a post with a resource inline, as a superuser). The tally
for the issue's closing note: `.venv/bin/pytest tests/test_uploads.py -k tally -s -q`.
"""

import importlib
import io
import re
import re._constants as sre_constants
import re._parser as sre_parse
import time

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from PIL import Image

from flse_hub.uploads import CODE_PATTERNS, DOCUMENT, IMAGE, detect, prepare_upload
from people.models import Person
from posts.media.models import Document
from posts.media.models import Image as LibraryImage
from posts.models import Resource
from tests.factories import make_person, make_post
from tests.uploads_corpus import CASES, IMAGE_EXTENSIONS, bomb_png, image, jpeg_with_gps

pytestmark = pytest.mark.django_db
# Every refusal says what is accepted, or which limit was passed, or that it is damaged.
CLEAR = re.compile(r"Upload a (PDF|JPEG)|can (be|have) at most|could not be read|is empty")
RANDOM_NAME = re.compile(r"^(posts|resources|people|images|documents)/[A-Za-z0-9_-]{22}\.(\w+)$")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def upload(case, data=None):
    # The browser's claimed type is a lie on purpose: it must not matter.
    data = case.data() if data is None else data
    return SimpleUploadedFile(case.filename, data, content_type="application/pdf")


def refusal(callable_, *args):
    """The messages a ValidationError carries, or None if nothing was refused."""
    try:
        callable_(*args)
    except ValidationError as error:
        return error.messages
    return None


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_document_file_validator_decides_by_content(case, settings):
    for name, value in case.settings.items():
        setattr(settings, name, value)
    document = Document(title="Toolkit", file=upload(case))
    messages = refusal(document.clean_fields)
    if case.accepted is None:
        assert messages, f"{case.id} was accepted"
        assert all(CLEAR.search(m) for m in messages), messages
    else:
        assert messages is None, messages


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_admin_document_form(case, staff_client, settings, media_root):
    """Resource files are library documents now: uploaded through the library's form."""
    for name, value in case.settings.items():
        setattr(settings, name, value)
    original = case.data()  # once: zip members carry the time they were built
    data = {"title": "Toolkit", "description": "", "file": upload(case, original)}
    response = staff_client.post(reverse("admin:media_document_add"), data)
    if case.accepted is None:
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors["file"]
        assert errors and all(CLEAR.search(e) for e in errors), errors
        assert not Document.objects.exists()
        assert stored_files(media_root) == []
    else:
        assert response.status_code == 302, response.context["adminform"].form.errors
        resource = Document.objects.get()
        assert resource.file_type == case.accepted
        match = RANDOM_NAME.match(resource.file.name)
        assert match, resource.file.name
        assert match.group(1) == "documents"
        assert match.group(2) == case.accepted
        assert case.filename.rsplit(".", 1)[0] not in resource.file.name
        assert stored_files(media_root) == [resource.file.name]
        stored = (media_root / resource.file.name).read_bytes()
        if case.accepted in IMAGE_EXTENSIONS:
            assert b"<script" not in stored and b"<html" not in stored
            Image.open(io.BytesIO(stored)).load()
        else:
            assert stored == original


def test_tally_of_upload_types_tried_and_refused(settings, capsys):
    """Every corpus case through the field's checks; the figures for the closing note."""
    refused = []
    for case in CASES:
        overrides = {name: getattr(settings, name) for name in case.settings}
        for name, value in case.settings.items():
            setattr(settings, name, value)
        if refusal(prepare_upload, upload(case), (DOCUMENT, IMAGE)):
            refused.append(case.id)
        for name, value in overrides.items():
            setattr(settings, name, value)
    assert refused == [c.id for c in CASES if c.accepted is None]
    with capsys.disabled():
        print(f"\nupload types tried {len(CASES)}, refused {len(refused)}")


def test_orm_create_is_checked_too(media_root):
    with pytest.raises(ValidationError):
        Document.objects.create(
            title="Page", file=SimpleUploadedFile("page.html", b"<html><script>")
        )
    assert stored_files(media_root) == []


def test_hero_image_and_photo_take_images_only(media_root):
    pdf = next(c for c in CASES if c.id == "pdf")
    library_image = LibraryImage(title="T", file=upload(pdf), alt="A")
    messages = refusal(library_image.clean_fields)
    assert messages == ["This type of file is not accepted. Upload a JPEG, PNG, WebP or GIF image."]
    person = Person(name="P", slug="p", photo=upload(pdf), photo_alt="A")
    assert refusal(person.clean_fields) == messages


def test_decompression_bomb_is_refused_from_its_header(settings):
    """100,000 x 100,000 pixels would need 10 GB decoded; it is refused unread."""
    messages = refusal(prepare_upload, SimpleUploadedFile("b.png", bomb_png()), (IMAGE,))
    assert messages and "megapixels" in messages[0]
    settings.FLSE_IMAGE_MAX_PIXELS = 1000
    messages = refusal(prepare_upload, SimpleUploadedFile("p.png", image("PNG")), (IMAGE,))
    assert messages == [
        "The image is 40 × 30 pixels; images can have at most 0.001 megapixels. "
        "Make it smaller and try again."
    ]


def test_photo_location_is_removed_and_orientation_applied(media_root):
    original = jpeg_with_gps()
    source = Image.open(io.BytesIO(original))
    assert source.getexif().get_ifd(0x8825)[1] == "N"  # the test photo does carry GPS
    assert source.info["comment"] == b"taken at home"

    person = make_person(
        "Ian Harrison", photo=SimpleUploadedFile("me.jpg", original), photo_alt="Ian"
    )

    person.refresh_from_db()
    stored = (media_root / person.photo.name).read_bytes()
    result = Image.open(io.BytesIO(stored))
    assert result.format == "JPEG"
    assert dict(result.getexif()) == {}
    assert b"Exif" not in stored and b"taken at home" not in stored
    assert "comment" not in result.info and "exif" not in result.info
    # EXIF said "rotate 90°": the pixels are turned and the sizes stored to match.
    assert result.size == (48, 64)
    assert (person.photo_width, person.photo_height) == (48, 64)


def test_transparency_survives_reencoding(media_root):
    for fmt, ext in [("PNG", "png"), ("WEBP", "webp"), ("GIF", "gif")]:
        source = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
        source.paste((10, 120, 200, 255), (0, 0, 10, 10))
        out = io.BytesIO()
        source.save(out, fmt)
        logo = LibraryImage.objects.create(
            title=f"Transparent {ext}",
            file=SimpleUploadedFile(f"x.{ext}", out.getvalue()),
            alt="A logo",
        )
        stored = Image.open(media_root / logo.file.name).convert("RGBA")
        assert logo.file.name.endswith(f".{ext}")
        assert stored.getpixel((15, 5))[3] == 0, ext
        assert stored.getpixel((5, 5))[3] == 255, ext
        assert (logo.width, logo.height) == (20, 10)


def test_admin_change_form_replaces_a_library_image_and_survives_a_missing_one(
    staff_client, media_root
):
    picture = LibraryImage.objects.create(
        title="Pictured", file=SimpleUploadedFile("a.png", image("PNG")), alt="Old"
    )
    make_post("Pictured", hero_image=picture)
    (media_root / picture.file.name).unlink()  # lost in a restore, say
    change_url = reverse("admin:media_image_change", args=[picture.pk])
    data = {"title": "Pictured", "alt": "Still described", "caption": "", "credit": "",
            "licence": "", "focal_x": "", "focal_y": ""}  # fmt: skip
    assert staff_client.get(change_url).status_code == 200
    response = staff_client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    data["file"] = SimpleUploadedFile("IMG.JPG", jpeg_with_gps())
    response = staff_client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    picture.refresh_from_db()
    assert RANDOM_NAME.match(picture.file.name).group(2) == "jpg"
    assert (picture.width, picture.height) == (48, 64)

    data["file"] = SimpleUploadedFile("x.jpg", b"<svg onload=alert(1)>")
    response = staff_client.post(change_url, data)
    assert response.status_code == 200
    assert (
        "Upload a JPEG, PNG, WebP or GIF image."
        in response.context["adminform"].form.errors["file"][0]
    )


def test_names_are_random_and_unrelated_to_the_upload(media_root):
    names = {
        LibraryImage.objects.create(
            title=f"Image {i}", file=SimpleUploadedFile("hero.png", image("PNG")), alt="x"
        ).file.name
        for i in range(3)
    }
    assert len(names) == 3
    assert all(RANDOM_NAME.match(name) and "hero" not in name for name in names)


def test_data_migrations_fill_sizes_where_the_file_exists(media_root):
    # Posts' hero sizes (posts 0008) now live on library images, moved by posts 0016
    # (tests/media/test_migration.py); people's photos are still sized here.
    person = make_person("Pat", photo=SimpleUploadedFile("c.jpg", jpeg_with_gps()), photo_alt="Pat")
    Person.objects.update(photo_width=None, photo_height=None)
    people_migration = importlib.import_module("people.migrations.0004_store_photo_dimensions")
    people_migration.fill_photo_sizes(apps, None)
    person.refresh_from_db()
    assert (person.photo_width, person.photo_height) == (48, 64)


def test_admin_file_inputs_offer_the_accepted_types(staff_client):
    page = staff_client.get(reverse("admin:media_image_add")).content.decode()
    hero = re.search(r'<input type="file" name="file"[^>]*accept="([^"]+)"', page)
    assert set(hero.group(1).split(",")) == {
        ".jpg", ".jpeg", ".png", ".webp", ".gif",
        "image/jpeg", "image/png", "image/webp", "image/gif",
    }  # fmt: skip
    page = staff_client.get(reverse("admin:media_document_add")).content.decode()
    resource = re.search(r'name="file"[^>]*accept="([^"]+)"', page)
    assert {".pdf", ".docx", ".odt", ".csv", ".txt", ".doc", "application/pdf"} <= set(
        resource.group(1).split(",")
    )


# Crafted text that made the old patterns backtrack: each start of a match scanned to the
# end of the text (minutes for a few hundred KB; the cap is FLSE_UPLOAD_MAX_MB).
CRAFTED_TEXT = [
    b"function (" * 200_000,  # 2 MB: `[^)]*` ran to the end from every "function"
    (b"<" + b" " * 1000) * 400,  # 400 KB: `<\s*` then `/?\s*` split each run every way
    b"< " * 1_000_000,  # 2 MB: a `<` every other character
    (b"<a " + b"onx " * 600) * 160,  # 400 KB: candidates for an event handler
    b"function " + b"x" * 60 + b" (" + b"a," * 1_000_000,  # 2 MB of parameters
    b"=>" + b" " * 1_000_000,
]


@pytest.mark.parametrize("data", CRAFTED_TEXT, ids=lambda d: f"{d[:12]!r}x{len(d)}")
def test_text_check_is_linear_on_crafted_text(data):
    # A safety net only (a loaded machine runs these in well under a second each); the
    # guarantee is the shape of the patterns, checked below.
    started = time.monotonic()
    detect(io.BytesIO(data))
    assert time.monotonic() - started < 5


def _repeats(parsed, inside=False):
    """(bounded, inside another repeat) for each repeat in a parsed pattern."""
    for op, argument in parsed:
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            _low, high, body = argument
            yield high != sre_constants.MAXREPEAT, inside
            # An optional part (at most once) is not repeated.
            yield from _repeats(body, inside=inside or high > 1)
        elif op == sre_constants.BRANCH:
            for alternative in argument[1]:
                yield from _repeats(alternative, inside)
        elif op == sre_constants.SUBPATTERN:
            yield from _repeats(argument[-1], inside)
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            yield from _repeats(argument[1], inside)


def test_text_patterns_have_only_bounded_unnested_repeats():
    assert CODE_PATTERNS
    for pattern in CODE_PATTERNS:
        repeats = list(_repeats(sre_parse.parse(pattern.pattern, pattern.flags)))
        assert all(bounded for bounded, _ in repeats), pattern.pattern
        assert not any(nested for _, nested in repeats), pattern.pattern


# Files go when their row does. These commit for real (transaction=True): the deletion
# waits for the commit, and a test's usual wrapping transaction never commits.
MINIMAL_PDF = next(c for c in CASES if c.id == "pdf").data()


def pdf_upload():
    return SimpleUploadedFile("toolkit.pdf", MINIMAL_PDF)


@pytest.mark.django_db(transaction=True)
def test_replacing_or_clearing_a_photo_deletes_the_old_file(media_root):
    person = make_person("Pat", photo=SimpleUploadedFile("a.png", image("PNG")), photo_alt="Pat")
    first = person.photo.name
    for _ in range(3):
        person.photo = SimpleUploadedFile("b.png", image("PNG"))
        person.save()
    assert stored_files(media_root) == [person.photo.name] != [first]
    # Saving other fields, or loading and saving again, keeps the file.
    Person.objects.get(pk=person.pk).save()
    person.name = "Pat Smith"
    person.save(update_fields=["name"])
    assert stored_files(media_root) == [person.photo.name]
    person.photo = ""
    person.save()
    assert stored_files(media_root) == []


@pytest.mark.django_db(transaction=True)
def test_a_deleted_document_is_no_longer_served(client, media_root):
    resource = Document.objects.create(title="Toolkit", file=pdf_upload())
    url = resource.file.url
    assert client.get(url).status_code == 200
    resource.delete()
    assert client.get(url).status_code == 404
    assert stored_files(media_root) == []


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_delete_or_replacement_keeps_the_file(client, media_root):
    resource = Document.objects.create(title="Toolkit", file=pdf_upload())
    person = make_person("Pat", photo=SimpleUploadedFile("a.png", image("PNG")), photo_alt="Pat")
    before = stored_files(media_root)
    with pytest.raises(RuntimeError), transaction.atomic():
        resource.delete()
        Person.objects.filter(pk=person.pk).delete()
        raise RuntimeError("the request failed after the delete")
    with pytest.raises(RuntimeError), transaction.atomic():
        person.photo = SimpleUploadedFile("b.png", image("PNG"))
        person.save()
        raise RuntimeError("the request failed after the save")
    # The new photo of the rolled-back save was written, but nothing names it: only
    # the files the database still names are checked.
    assert set(before) <= set(stored_files(media_root))
    assert client.get(resource.file.url).status_code == 200
    person.refresh_from_db()
    assert person.photo.name in before


@pytest.mark.django_db(transaction=True)
def test_bulk_and_cascading_deletes_remove_files(staff_client, media_root):
    images = [
        LibraryImage.objects.create(
            title=f"Image {i}", file=SimpleUploadedFile("h.png", image("PNG")), alt="x"
        )
        for i in range(3)
    ]
    documents = [Document.objects.create(title=f"Toolkit {i}", file=pdf_upload()) for i in range(3)]
    post = make_post("Uses one of each", hero_image=images[0])
    Resource.objects.create(post=post, title="Toolkit", document=documents[0])
    Document.objects.filter(pk=documents[1].pk).delete()  # a queryset delete
    assert len(stored_files(media_root)) == 5
    # Deleting a post (and its resources) leaves the library's files alone.
    post.delete()
    assert len(stored_files(media_root)) == 5
    for model in ("image", "document"):
        response = staff_client.post(
            reverse(f"admin:media_{model}_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": list(
                    (LibraryImage if model == "image" else Document).objects.values_list(
                        "pk", flat=True
                    )
                ),
                "post": "yes",
            },
        )
        assert response.status_code == 302
    assert not LibraryImage.objects.exists() and not Document.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db(transaction=True)
def test_a_file_another_row_names_is_kept(media_root):
    kept = Document.objects.create(title="Toolkit", file=pdf_upload())
    # An import that pointed a second row at the same stored file.
    copy = Document.objects.create(title="Toolkit again", file=kept.file.name)
    copy.delete()
    assert stored_files(media_root) == [kept.file.name]
