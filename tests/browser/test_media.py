"""Media headers in a real browser: images still display, everything else downloads."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.testcases import _MediaFilesHandler
from PIL import Image

from posts.media.models import Image as LibraryImage
from tests.browser.waiting import all_images_loaded
from tests.factories import make_post
from tests.uploads_corpus import image

pytestmark = pytest.mark.browser

RED = (220, 20, 20)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 800, "height": 600}, accept_downloads=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def media_root(settings, tmp_path, monkeypatch):
    # Django's live server answers MEDIA_URL itself, with django.views.static and none
    # of the site's headers; turn that test-only shortcut off so the site's view answers,
    # as it does under runserver and gunicorn.
    monkeypatch.setattr(_MediaFilesHandler, "_should_handle", lambda handler, path: False)
    # The live server thread reads the same settings object.
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "posts").mkdir(parents=True)
    return settings.MEDIA_ROOT


def red_pixels(png_bytes):
    shot = Image.open(io.BytesIO(png_bytes)).convert("RGB")
    return sum(count for count, colour in shot.getcolors(1 << 24) if colour == RED)


def test_an_image_opened_directly_still_displays(page, live_server, media_root):
    (media_root / "posts" / "Red9.png").write_bytes(image("PNG", size=(120, 80), color=RED))
    response = page.goto(f"{live_server.url}/media/posts/Red9.png")
    assert response.status == 200
    assert response.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    # Scripts are off in the sandboxed image document, so look at the pixels instead.
    assert red_pixels(page.screenshot()) >= 120 * 80


def test_an_image_on_a_page_still_shows(page, live_server, media_root, transactional_db):
    post = make_post(
        "Pictured",
        hero_image=LibraryImage.objects.create(
            title="Red",
            file=SimpleUploadedFile("red.png", image("PNG", size=(120, 80), color=RED)),
            alt="A red square",
        ),
    )
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else 0)
    assert page.goto(live_server.url + post.get_absolute_url()).status == 200
    hero = page.locator("img.post__image")
    hero.wait_for()
    assert all_images_loaded(page)
    assert hero.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [120, 80]
    assert violations == []


def test_a_stored_html_file_downloads_instead_of_running(page, live_server, media_root):
    # An old upload from before the checks, or one put there by hand.
    (media_root / "posts" / "page.html").write_text(
        "<script>document.title = 'ran: ' + document.cookie</script>"
    )
    with page.expect_download() as download:
        try:
            page.goto(f"{live_server.url}/media/posts/page.html")
        except Exception as error:  # chromium aborts the navigation when a download starts
            assert "ERR_ABORTED" in str(error) or "Download is starting" in str(error)
    assert download.value.suggested_filename == "page.html"
    assert not page.title().startswith("ran")
