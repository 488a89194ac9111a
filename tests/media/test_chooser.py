"""The image chooser: permissions, search, bounded parameters, upload new."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from posts.media.models import Image
from tests.media.conftest import stored_files
from tests.media.helpers import make_image, png_bytes
from tests.uploads_corpus import CASES, IMAGE_EXTENSIONS

pytestmark = pytest.mark.django_db
URL = reverse("admin:media_image_choose")


def staff_with(django_user_model, client, *codenames):
    user = django_user_model.objects.create_user("writer", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return user


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_viewing_needs_image_permission_and_uploading_needs_add(client, django_user_model):
    staff_with(django_user_model, client, "view_image")
    make_image("Visible")
    page = client.get(URL)
    assert page.status_code == 200 and "Visible" in page.content.decode()
    assert "Upload a new image" not in page.content.decode()
    upload = client.post(
        URL, {"title": "x", "alt": "x", "file": SimpleUploadedFile("a.png", png_bytes())}
    )
    assert upload.status_code == 403
    assert Image.objects.count() == 1


def test_search_finds_by_title_description_caption_and_credit(staff_client):
    make_image("Away day", caption="Peer mentors in Hove")
    make_image("Logo", decorative=True, credit="Design: Ana")
    make_image("Bench", alt="A bench by the sea")
    for query, expected in [("hove", "Away day"), ("ana", "Logo"), ("sea bench", "Bench")]:
        page = staff_client.get(URL, {"q": query}).content.decode()
        titles = [t for t in ("Away day", "Logo", "Bench") if f">{t}</span>" in page]
        assert titles == [expected], query


def test_recent_uploads_come_first_and_pages_are_bounded(
    staff_client, django_assert_max_num_queries
):
    for i in range(30):
        make_image(f"Image {i:02}")
    with django_assert_max_num_queries(12):
        page = staff_client.get(URL).content.decode()
    assert page.index("Image 29") < page.index("Image 28")
    assert "Image 05" not in page  # 24 a page
    last = staff_client.get(URL, {"page": "99999999999999999999"})
    assert last.status_code == 200 and "Image 00" in last.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 5000},
        {"page": "-1"},
        {"page": "abc"},
        {"mode": "<script>"},
        {"field": '"><script>alert(1)</script>'},
        {"CKEditorFuncNum": "1e9"},
        {"CKEditorFuncNum": "alert(1)"},
        {"uploaded": "99999999999999999999999"},
    ],
)
def test_hostile_parameters_are_cut_to_what_they_can_mean(staff_client, params):
    response = staff_client.get(URL, params)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert" not in page and "alert(1)" not in page and "1e9" not in page
    assert 'value="' + "x" * 101 not in page
    assert response.context["params"]["q"] in ("", "x" * 100)


def test_upload_new_adds_to_the_library_and_offers_it_first(staff_client, media_root):
    response = staff_client.post(
        f"{URL}?mode=hero&field=id_hero_image",
        {
            "title": "New",
            "alt": "",
            "decorative": "on",
            "caption": "C",
            "credit": "Photo: Jo",
            "file": SimpleUploadedFile("n.png", png_bytes()),
        },
    )
    image = Image.objects.get()
    assert response.status_code == 302
    assert f"uploaded={image.pk}" in response["Location"]
    assert "mode=hero" in response["Location"] and "field=id_hero_image" in response["Location"]
    assert (image.decorative, image.alt, image.credit, image.uploaded_by.username) == (
        True,
        "",
        "Photo: Jo",
        "editor",
    )
    page = staff_client.get(response["Location"]).content.decode()
    assert "chooser__item--new" in page and "“New” is in the library" in page


def test_upload_needs_a_description_or_decorative(staff_client, media_root):
    response = staff_client.post(
        URL, {"title": "New", "alt": "", "file": SimpleUploadedFile("n.png", png_bytes())}
    )
    assert response.status_code == 400
    assert "tick “decorative only”" in response.content.decode()
    assert not Image.objects.exists() and stored_files() == []


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c.accepted not in IMAGE_EXTENSIONS and not c.settings][:40],
    ids=lambda c: c.id,
)
def test_hostile_files_are_refused_as_before(staff_client, media_root, case):
    response = staff_client.post(
        URL,
        {
            "title": "Hostile",
            "alt": "x",
            "file": SimpleUploadedFile(case.filename, case.data(), content_type="image/png"),
        },
    )
    assert response.status_code == 400
    errors = response.context["upload_form"].errors["file"][0]
    assert (
        "Upload a JPEG, PNG, WebP or GIF image" in errors
        or "at most" in errors
        or ("could not be read" in errors)
    )
    assert not Image.objects.exists() and stored_files() == []
