"""The media library: records, the alt-or-decorative rule, reuse, usage and deletion."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from PIL import Image as PILImage

from posts.media.models import Document, Image
from posts.models import Post, PostBodyImage, Resource
from tests.factories import make_post
from tests.media.conftest import stored_files
from tests.media.helpers import PDF, figure, make_document, make_image
from tests.uploads_corpus import jpeg_with_gps

pytestmark = pytest.mark.django_db
RANDOM_IMAGE = re.compile(r"^images/[A-Za-z0-9_-]{22}\.(png|jpg)$")


def test_an_image_is_checked_re_encoded_and_sized_as_hero_images_were(media_root):
    image = Image.objects.create(
        title="Ian", alt="Ian at his desk", file=SimpleUploadedFile("IMG.JPG", jpeg_with_gps())
    )
    assert RANDOM_IMAGE.match(image.file.name)
    with image.file.open("rb") as stored_file:
        stored = PILImage.open(stored_file)
        stored.load()
    assert not stored.getexif()  # location and every other EXIF field gone
    assert (image.width, image.height) == stored.size == (48, 64)  # orientation applied
    with pytest.raises(Exception, match="JPEG, PNG, WebP or GIF"):
        image = Image(title="x", alt="x", file=SimpleUploadedFile("x.jpg", b"<svg onload=1>"))
        image.full_clean()


def test_a_document_records_its_detected_type_and_size(media_root):
    document = make_document()
    assert (document.file_type, document.size, document.type_label) == ("pdf", len(PDF), "PDF")
    assert re.match(r"^documents/[A-Za-z0-9_-]{22}\.pdf$", document.file.name)
    with pytest.raises(Exception, match="not accepted"):
        Document(title="x", file=SimpleUploadedFile("a.pdf", b"<html><script>")).full_clean()


@pytest.mark.parametrize(
    ("alt", "decorative", "allowed"),
    [("A bench", False, True), ("", True, True), ("", False, False), ("A bench", True, False)],
)
def test_an_image_has_a_description_or_is_explicitly_decorative(alt, decorative, allowed):
    def create():
        with transaction.atomic():
            make_image(alt=alt, decorative=decorative)

    if allowed:
        create()
    else:
        with pytest.raises(IntegrityError):
            create()


def test_the_admin_form_says_which_box_to_fix(staff_client):
    response = staff_client.post(
        reverse("admin:media_image_add"),
        {"title": "Bench", "alt": "", "file": SimpleUploadedFile("a.png", _png())},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "tick “decorative only”" in errors["alt"][0]
    assert not Image.objects.exists()


def _png():
    from tests.media.helpers import png_bytes

    return png_bytes()


def test_one_image_is_reused_by_several_posts_and_its_file_stored_once(media_root):
    image = make_image()
    make_post("One", hero_image=image)
    make_post("Two", hero_image=image)
    assert stored_files() == [image.file.name]
    assert list(image.hero_of_posts.order_by("title").values_list("title", flat=True)) == [
        "One",
        "Two",
    ]


def test_body_images_are_recorded_on_every_save(media_root):
    first, second = make_image("First"), make_image("Second")
    post = make_post(body=f"<p>Hello</p>{figure(first, 'A caption')}{figure(second)}")
    assert set(post.body_image_uses.values_list("image_id", flat=True)) == {first.pk, second.pk}
    post.body = f"<p>Hello</p>{figure(second)}"
    post.save()
    assert list(post.body_image_uses.values_list("image_id", flat=True)) == [second.pk]


def _usage_setup():
    image, document = make_image("Shared"), make_document()
    hero_post = make_post("Hero post", hero_image=image)
    body_post = make_post("Body post", body=figure(image))
    resource_post = make_post("Resource post")
    Resource.objects.create(post=resource_post, title="Report", document=document)
    both = make_post("Both ways", hero_image=image, body=figure(image))
    return image, document, [hero_post, body_post, both], resource_post


def test_used_in_counts_posts_by_hero_body_and_resource(staff_client):
    image, document, image_posts, resource_post = _usage_setup()
    listing = staff_client.get(reverse("admin:media_image_changelist")).content.decode()
    assert "3 posts" in listing  # "Both ways" counts once, though it uses it twice
    change = staff_client.get(reverse("admin:media_image_change", args=[image.pk]))
    page = change.content.decode()
    assert "Used in 3 posts" in page
    for post in image_posts:
        assert reverse("admin:posts_post_change", args=[post.pk]) in page
    docs = staff_client.get(reverse("admin:media_document_changelist")).content.decode()
    assert "1 post" in docs
    doc_page = staff_client.get(reverse("admin:media_document_change", args=[document.pk]))
    assert reverse("admin:posts_post_change", args=[resource_post.pk]) in doc_page.content.decode()


def test_deleting_an_image_in_use_is_refused_with_the_list(staff_client, media_root):
    image, document, _, _ = _usage_setup()
    response = staff_client.post(
        reverse("admin:media_image_delete", args=[image.pk]), {"post": "yes"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "protected" in page
    assert "Hero post" in page and "In the body of “Body post”" in page
    assert Image.objects.filter(pk=image.pk).exists()
    assert image.file.name in stored_files()

    bulk = staff_client.post(
        reverse("admin:media_image_changelist"),
        {"action": "delete_selected", "_selected_action": [image.pk], "post": "yes"},
    )
    assert bulk.status_code == 200
    assert "protected" in bulk.content.decode()
    assert Image.objects.filter(pk=image.pk).exists()

    doc = staff_client.post(
        reverse("admin:media_document_delete", args=[document.pk]), {"post": "yes"}
    )
    assert doc.status_code == 200 and "Report" in doc.content.decode()
    assert Document.objects.filter(pk=document.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_an_unused_image_is_deleted_with_its_file_after_commit(staff_client, media_root):
    image = make_image()
    post = make_post(hero_image=image, body=figure(image))
    # No longer used: the hero is cleared and the body image removed.
    post.hero_image = None
    post.body = "<p>No picture.</p>"
    post.save()
    assert not PostBodyImage.objects.exists()
    response = staff_client.post(
        reverse("admin:media_image_changelist"),
        {"action": "delete_selected", "_selected_action": [image.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Image.objects.exists()
    assert stored_files() == []


def test_the_admin_lists_search_and_filter(staff_client):
    make_image("Peer mentors at the away day")
    make_image("Logo", decorative=True)
    url = reverse("admin:media_image_changelist")
    found = staff_client.get(url, {"q": "mentors"}).content.decode()
    assert "Peer mentors at the away day" in found and ">Logo<" not in found
    decorative = staff_client.get(url, {"decorative__exact": "1"}).content.decode()
    assert ">Logo<" in decorative and "away day" not in decorative
    assert 'class="library-thumb"' in found


def test_the_post_form_offers_library_images_and_keeps_the_choice(staff_client):
    from tests.posts.test_admin import add_form_data

    image = make_image("Garden")
    page = staff_client.get(reverse("admin:posts_post_add")).content.decode()
    assert f'<option value="{image.pk}">Garden</option>' in page
    assert reverse("admin:media_image_choose") + "?mode=hero&amp;field=id_hero_image" in page
    response = staff_client.post(
        reverse("admin:posts_post_add"),
        add_form_data(hero_image=str(image.pk), **{"credits-TOTAL_FORMS": "0"}),
    )
    assert response.status_code == 302
    assert Post.objects.get().hero_image == image


def test_a_staff_member_may_only_use_what_they_may_see(client, django_user_model):
    user = django_user_model.objects.create_user("writer", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_post"]))
    client.force_login(user)
    make_image()
    assert client.get(reverse("admin:media_image_choose")).status_code == 403
