"""Responsive renditions: made by the worker from any image field (media library images
and person photos), shown as <picture>, removed with their source, never made or looked
for file by file in a request."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from lxml import html
from PIL import Image

from flse_hub.renditions import make
from flse_hub.renditions.models import Rendition
from posts.media.models import Image as LibraryImage
from posts.models import Post
from tests.factories import make_person, make_post
from tests.people.helpers import run_worker
from tests.s3 import fetch

pytestmark = pytest.mark.django_db

HERO_SIZES = "(min-width: 42.5rem) 40rem, calc(100vw - 2rem)"


@pytest.fixture(autouse=True)
def storage(media_storage):
    """Local disk, or S3 (SeaweedFS) with FLSE_TEST_MEDIA_STORAGE=s3 (tests/s3.py)."""
    return media_storage


def url(name):
    return default_storage.url(name)


def absolute(address):
    return address if address.startswith("http") else f"http://testserver{address}"


def photo(size=(2000, 1000), fmt="JPEG", mode="RGB", name="hero.jpg"):
    """A noisy image (flat colour would compress to nothing and hide size mistakes)."""
    noise = Image.effect_noise(size, 60).convert(mode)
    out = io.BytesIO()
    noise.save(out, fmt)
    return SimpleUploadedFile(name, out.getvalue())


def library_image(upload=None, title="A bench", **fields):
    fields.setdefault("alt", f"{title}, described")
    return LibraryImage.objects.create(title=title, file=upload or photo(), **fields)


def pictured_post(title="Pictured", upload=None, **fields):
    """A post whose hero is a new library image of `upload` (a noisy 2000 x 1000 JPEG)."""
    fields.setdefault("hero_image", library_image(upload))
    fields.setdefault("hero_image_alt", "A bench by the sea")
    return make_post(title, **fields)


def source(post):
    return post.hero_image.file.name


def made(source):
    return {(r.format, r.width, r.height) for r in Rendition.objects.filter(source=source)}


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return html.fromstring(response.content)


def test_widths_are_never_upscaled():
    assert make.target_widths(8000) == [400, 800, 1200, 1600]
    assert make.target_widths(1600) == [400, 800, 1200, 1600]
    assert make.target_widths(1000) == [400, 800, 1000]
    assert make.target_widths(300) == [300]


def test_saving_a_library_image_queues_renditions_that_the_worker_makes(
    django_capture_on_commit_callbacks,
):
    # Saved on its own, as the library's upload form does: no post needed.
    with django_capture_on_commit_callbacks(execute=True):
        image = library_image()
    assert DBTaskResult.objects.count() == 1
    assert Rendition.objects.count() == 0  # nothing made inside the request
    run_worker()
    assert made(image.file.name) == {
        (fmt, w, w // 2) for fmt in ("webp", "jpg") for w in (400, 800, 1200, 1600)
    }
    for rendition in Rendition.objects.filter(source=source):
        assert rendition.name.startswith("renditions/")
        assert rendition.name.endswith(f".{rendition.format}")
        assert default_storage.size(rendition.name) == rendition.bytes
        with default_storage.open(rendition.name) as stored:
            opened = Image.open(stored)
            assert opened.size == (rendition.width, rendition.height)
            assert opened.format == {"webp": "WEBP", "jpg": "JPEG"}[rendition.format]
    # Random names: nothing in a rendition's name says which image it came from.
    names = {r.name.split("/")[1].split(".")[0] for r in Rendition.objects.all()}
    assert len(names) == 8 and all(len(n) >= 22 for n in names)
    # Smaller widths are smaller files.
    webp = sorted(Rendition.objects.filter(format="webp"), key=lambda r: r.width)
    assert [r.bytes for r in webp] == sorted(r.bytes for r in webp)


def test_transparent_images_fall_back_to_png_and_small_ones_keep_their_width():
    post = pictured_post(upload=photo((300, 200), "PNG", "RGBA", "logo.png"))
    run_worker()
    assert made(source(post)) == {("webp", 300, 200), ("png", 300, 200)}


def test_a_person_photo_gets_renditions_and_the_person_page_shows_them(client):
    person = make_person(
        "Ada Byron", photo=photo((900, 900)), photo_alt="Ada smiling", bio="Researcher."
    )
    make_post("By Ada", authors=[person])
    run_worker()
    assert {w for _, w, _ in made(person.photo.name)} == {400, 800, 900}
    [img] = page(client, person.get_absolute_url()).xpath("//img[@class='person__photo']")
    assert img.get("alt") == "Ada smiling"
    assert img.get("src").startswith(url("renditions/"))
    assert (img.get("width"), img.get("height")) == ("900", "900")


def test_the_page_shows_the_original_until_the_worker_has_run(client):
    post = pictured_post()
    tree = page(client, post.get_absolute_url())
    [img] = tree.xpath("//img[@class='post__image']")
    assert img.get("src") == url(source(post))
    assert img.get("srcset") is None
    assert tree.xpath("//picture/source") == []
    assert (img.get("width"), img.get("height")) == ("2000", "1000")
    assert Rendition.objects.count() == 0  # the request made none


def test_the_post_page_shows_a_picture_of_renditions_eager_above_the_fold(client):
    post = pictured_post()
    run_worker()
    tree = page(client, post.get_absolute_url())
    # libxml2 does not know <source> is void and nests the <img> in it: hence ".//".
    [picture] = tree.xpath("//picture[.//img[@class='post__image']]")
    [source] = picture.xpath(".//source")
    [img] = picture.xpath(".//img")
    by_key = {(r.format, r.width): r.name for r in Rendition.objects.all()}
    assert source.get("type") == "image/webp"
    assert source.get("srcset") == ", ".join(
        f"{url(by_key['webp', w])} {w}w" for w in (400, 800, 1200, 1600)
    )
    assert img.get("srcset") == ", ".join(
        f"{url(by_key['jpg', w])} {w}w" for w in (400, 800, 1200, 1600)
    )
    assert source.get("sizes") == img.get("sizes") == HERO_SIZES
    assert img.get("src") == url(by_key["jpg", 800])
    # The source's aspect ratio, at the largest rendition's width (never width="8000").
    assert (img.get("width"), img.get("height")) == ("1600", "800")
    assert (img.get("loading"), img.get("fetchpriority")) == ("eager", "high")
    assert img.get("decoding") is None
    assert img.get("alt") == "A bench by the sea"


def test_og_image_is_the_1200_wide_fallback_rendition(client):
    post = pictured_post()
    tree = page(client, post.get_absolute_url())
    [og] = tree.xpath("//meta[@property='og:image']/@content")
    assert og == absolute(url(source(post)))  # none made yet
    run_worker()
    tree = page(client, post.get_absolute_url())
    [og] = tree.xpath("//meta[@property='og:image']/@content")
    jpeg_1200 = Rendition.objects.get(format="jpg", width=1200)
    assert og == absolute(url(jpeg_1200.name))


def test_a_missing_rendition_falls_back_to_the_nearest_that_exists(client):
    post = pictured_post()
    run_worker()
    Rendition.objects.exclude(width=400).delete()
    tree = page(client, post.get_absolute_url())
    img = tree.xpath("//img[@class='post__image']")[0]
    jpeg_400 = Rendition.objects.get(format="jpg").name
    assert img.get("src") == url(jpeg_400)
    assert img.get("srcset") == f"{url(jpeg_400)} 400w"
    assert (img.get("width"), img.get("height")) == ("400", "200")
    # Only the fallback left: no <source>, and the <img> still uses it.
    Rendition.objects.filter(format="webp").delete()
    tree = page(client, post.get_absolute_url())
    assert tree.xpath("//picture/source") == []
    assert tree.xpath("//img[@class='post__image']/@src") == [url(jpeg_400)]


def test_cards_show_small_lazy_images_cropped_on_the_focal_point(client):
    pictured_post("With image", hero_image=library_image(focal_x=0.3, focal_y=0.7))
    make_post("Without image")
    run_worker()
    tree = page(client, reverse("posts:list"))
    cards = {
        card.xpath("string(.//h2)").strip(): card
        for card in tree.xpath("//article[contains(@class, 'post-card')]")
    }
    assert cards["Without image"].xpath(".//img") == []
    [img] = cards["With image"].xpath(".//picture//img")
    assert img.get("class") == "post-card__image crop focal-x-30 focal-y-70"
    # The library's description (or alt="" for an image marked decorative there).
    assert img.get("alt") == "A bench, described"
    assert (img.get("loading"), img.get("decoding")) == ("lazy", "async")
    assert img.get("fetchpriority") is None
    assert img.get("width") and img.get("height")
    assert "400w" in img.get("srcset")


def test_rendition_files_are_served_with_the_inert_media_headers(client, storage):
    pictured_post()
    run_worker()
    for rendition in Rendition.objects.filter(width=400):
        if storage == "local":
            response = client.get(url(rendition.name))
            assert response.status_code == 200
            headers, body = response, b"".join(response.streaming_content)
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
        else:
            # Object metadata; nosniff and the sandbox CSP are the CDN's (README).
            status, headers, body = fetch(url(rendition.name))
            assert status == 200
        assert headers["Content-Type"] == rendition.content_type
        assert "attachment" not in (headers.get("Content-Disposition") or "")
        assert headers["Cache-Control"] == "public, max-age=86400"
        assert body[:4] in (b"RIFF", b"\xff\xd8\xff\xe0")


def test_renditions_go_when_a_library_image_is_replaced_or_deleted(
    django_capture_on_commit_callbacks,
):
    post = pictured_post()
    image = post.hero_image
    run_worker()
    first = list(Rendition.objects.values_list("name", flat=True))
    assert len(first) == 8 and all(default_storage.exists(n) for n in first)
    with django_capture_on_commit_callbacks(execute=True):
        image.file = photo((500, 250))
        image.save()
    assert not any(default_storage.exists(n) for n in first)
    assert not Rendition.objects.filter(name__in=first).exists()
    run_worker()
    second = list(Rendition.objects.values_list("name", flat=True))
    assert {r.width for r in Rendition.objects.all()} == {400, 500}
    with django_capture_on_commit_callbacks(execute=True):
        post.delete()  # the hero is PROTECTed while a post uses it
        image.delete()
    assert Rendition.objects.count() == 0
    assert not any(default_storage.exists(n) for n in second)


def test_renditions_stay_while_the_library_image_stays(django_capture_on_commit_callbacks):
    post = pictured_post()
    twin = make_post("Twin", hero_image=post.hero_image, hero_image_alt="Same bench")
    run_worker()
    with django_capture_on_commit_callbacks(execute=True):
        post.delete()
    assert Rendition.objects.filter(source=source(twin)).count() == 8


def test_making_twice_makes_nothing_more_and_a_missing_source_makes_nothing():
    post = pictured_post()
    run_worker()
    assert make.make_renditions(default_storage, source(post)) == {"made": 0}
    assert Rendition.objects.count() == 8
    assert make.make_renditions(default_storage, "posts/never-there.jpg")["made"] == 0
    assert not Rendition.objects.filter(source="posts/never-there.jpg").exists()


def test_editing_a_post_or_its_image_details_does_not_queue_renditions_again():
    post = pictured_post()
    run_worker()
    tasks = DBTaskResult.objects.count()
    post.title = "Retitled"
    post.save()
    post.hero_image.caption = "A new caption"
    post.hero_image.save()
    run_worker()
    assert DBTaskResult.objects.count() == tasks


def test_the_command_queues_images_stored_before_renditions_existed():
    post = pictured_post()
    person = make_person("Old Photo", photo=photo((600, 600)), photo_alt="A face")
    # Rows from before: their files are stored, their renditions never queued.
    connection.run_on_commit = []
    out = io.StringIO()
    call_command("make_renditions", stdout=out)
    assert "2 image(s) queued" in out.getvalue()
    run_worker()
    assert len(made(source(post))) == 8
    assert {w for _, w, _ in made(person.photo.name)} == {400, 600}
    out = io.StringIO()
    call_command("make_renditions", stdout=out)
    assert "0 image(s) queued" in out.getvalue()
    # --now makes them in this process, no worker needed.
    Rendition.objects.filter(source=source(post), width=1600).delete()
    out = io.StringIO()
    call_command("make_renditions", "--all", "--now", stdout=out)
    assert "2 rendition(s) made" in out.getvalue()


def test_a_list_of_cards_looks_up_renditions_in_one_query(client, django_assert_num_queries):
    def queries_for_list_page():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("posts:list")).status_code == 200
        rendition_queries = [
            q["sql"] for q in captured.captured_queries if "renditions_rendition" in q["sql"]
        ]
        return len(captured), rendition_queries

    for n in range(2):
        pictured_post(f"First {n}", upload=photo((500, 250), name=f"f{n}.jpg"))
    run_worker()
    few, rendition_queries = queries_for_list_page()
    assert len(rendition_queries) == 1
    for n in range(18):
        pictured_post(f"More {n}", upload=photo((500, 250), name=f"m{n}.jpg"))
    run_worker()
    # Twenty cards with images (ten on the page): the same number of queries as two.
    with django_assert_num_queries(few):
        response = client.get(reverse("posts:list"))
    assert len(html.fromstring(response.content).xpath("//article//picture/source")) == 10
    posts = list(Post.objects.published().with_card_data())
    assert len(posts) == 20
    with django_assert_num_queries(0):
        for post in posts:
            assert post.hero_image.file._flse_renditions


@pytest.mark.parametrize("name", ["home", "search"])
def test_home_and_search_cards_show_images_with_bounded_queries(client, name):
    for n in range(3):
        pictured_post(f"Card {n}", upload=photo((500, 250), name=f"c{n}.jpg"))
    run_worker()
    with CaptureQueriesContext(connection) as captured:
        tree = page(client, reverse(f"posts:{name}"))
    assert tree.xpath("//article[contains(@class, 'post-card')]//picture/source")
    assert sum("renditions_rendition" in q["sql"] for q in captured.captured_queries) <= 2


def test_body_images_are_pictures_of_renditions_looked_up_in_one_query(client):
    images = [library_image(photo((900, 450), name=f"b{n}.jpg"), f"Body {n}") for n in range(3)]
    body = "".join(
        f'<figure class="figure"><img src="{i.file.url}" alt="" data-file="{i.pk}"></figure>'
        for i in images
    )
    post = make_post("With body images", body=body)
    run_worker()
    with CaptureQueriesContext(connection) as captured:
        tree = page(client, post.get_absolute_url())
    assert sum("renditions_rendition" in q["sql"] for q in captured.captured_queries) == 1
    pictures = tree.xpath("//div[@class='prose']//figure/picture")
    assert len(pictures) == 3
    for picture, image in zip(pictures, images, strict=True):
        [img] = picture.xpath(".//img")
        assert img.get("alt") == image.alt
        assert img.get("src").startswith(url("renditions/"))
        assert "900w" in img.get("srcset") and picture.xpath(".//source")


def test_the_library_list_and_chooser_thumbnails_cost_the_same_for_2_or_6_images(staff_client):
    addresses = [reverse("admin:media_image_changelist"), reverse("admin:media_image_choose")]

    def queries():
        counts = []
        for address in addresses:
            with CaptureQueriesContext(connection) as captured:
                response = staff_client.get(address)
            assert response.status_code == 200
            counts.append(len(captured))
        return counts

    for n in range(2):
        library_image(photo((500, 250), name=f"a{n}.jpg"), f"Image {n}")
    run_worker()
    few = queries()
    for n in range(4):
        library_image(photo((500, 250), name=f"b{n}.jpg"), f"More {n}")
    run_worker()
    assert queries() == few
    response = staff_client.get(addresses[0])
    assert len(html.fromstring(response.content).xpath("//picture/source")) == 6
