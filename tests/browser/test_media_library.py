"""The media library in a real browser: a post with body images, and the chooser.

axe-core and the CSP listener as in test_accessibility, at 1280 and 320 px. Set
FLSE_SCREENSHOTS=/some/folder to keep screenshots for a human to look at.
"""

import contextlib
import os
from pathlib import Path

import pytest
from django.test.testcases import _MediaFilesHandler
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from posts.models import Post
from tests.browser.conftest import DESKTOP, NARROW
from tests.browser.test_accessibility import AXE_TAGS
from tests.browser.waiting import all_images_loaded
from tests.factories import make_post
from tests.media.helpers import figure, make_image

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture
def media_root(settings, tmp_path, monkeypatch):
    # The site's own media view answers (with its headers), as under runserver and gunicorn.
    monkeypatch.setattr(_MediaFilesHandler, "_should_handle", lambda handler, path: False)
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def screenshot(page, name):
    folder = os.environ.get("FLSE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def pictured_post():
    hero = make_image(
        "Away day", size=(1600, 900), alt="Peer mentors around a table at the away day",
        caption="The away day in Hove, 2024.", credit="Photo: Sam Jones", focal_x=0.3, focal_y=0.4,
    )  # fmt: skip
    inline = make_image("Map", size=(800, 500), alt="A map of the area we cover",
                        credit="Map: OpenStreetMap")  # fmt: skip
    swirl = make_image("Swirl", size=(400, 100), decorative=True)
    return make_post(
        "A post with pictures",
        hero_image=hero,
        featured=True,
        body=(
            "<p>Before the map.</p>"
            + figure(inline, "The area we cover: <em>Brighton and Hove</em>.")
            + "<p>Between the pictures.</p>"
            + figure(swirl)
            + "<p>After.</p>"
        ),
    )


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["1280px", "320px"])
def test_a_post_with_body_images_passes_axe_with_no_csp_violation(
    open_tab, axe, media_root, viewport
):
    post = pictured_post()
    tab = open_tab(viewport)
    assert tab.goto(post.get_absolute_url()).status == 200
    page = tab.page
    assert all_images_loaded(page)
    sizes = page.evaluate("[...document.querySelectorAll('main img')].map(i => i.naturalWidth)")
    assert sizes == [1600, 800, 400]
    assert page.locator("figure.post__figure figcaption").inner_text() == (
        "The away day in Hove, 2024. Photo: Sam Jones"
    )
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert results.violations_count == 0, results.generate_report()
    overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0
    screenshot(page, f"post-with-images-{viewport['width']}")
    # The featured card on the home page crops on the focal point.
    tab.goto("/")
    card = page.locator("img.post-card__image")
    card.wait_for()
    assert card.evaluate("i => getComputedStyle(i).objectPosition") == "30% 40%"
    screenshot(page, f"home-card-{viewport['width']}")
    assert tab.csp_violations() == []


def sign_in(tab, django_user_model):
    django_user_model.objects.create_superuser("editor", "editor@example.org", PASSWORD)
    tab.goto(reverse("admin:login"))
    tab.page.fill("#id_username", "editor")
    tab.page.fill("#id_password", PASSWORD)
    with tab.page.expect_navigation():
        tab.page.click("input[type=submit]")


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["1280px", "320px"])
def test_the_chooser_picks_a_hero_and_a_body_image_by_keyboard(
    open_tab, axe, media_root, django_user_model, viewport
):
    make_image("Garden", size=(300, 200), alt="The community garden", caption="Our garden")
    make_image("Logo", size=(200, 200), decorative=True)
    tab = open_tab(viewport)
    sign_in(tab, django_user_model)
    page = tab.page
    tab.goto(reverse("admin:posts_post_add"))
    page.fill("#id_title", "Chosen")
    page.fill("#id_slug", "chosen")
    page.fill("#id_standfirst", "A post whose pictures came from the library.")

    # The hero: the library link opens the chooser; search, then choose by keyboard.
    page.locator("#fieldset-0-2-heading, .collapse summary").filter(has_text="Image").first.click()
    with page.expect_popup() as popup_info:
        page.get_by_role("link", name="Search the library or upload a new image").click()
    chooser = popup_info.value
    chooser.wait_for_load_state()
    chooser.set_viewport_size(viewport)
    results = axe.run(chooser, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert results.violations_count == 0, results.generate_report()
    screenshot(chooser, f"chooser-{viewport['width']}")
    chooser.fill("#chooser-q", "garden")
    with chooser.expect_navigation():
        chooser.press("#chooser-q", "Enter")
    pick = chooser.locator(".chooser__pick", has_text="Garden")
    pick.focus()
    with chooser.expect_event("close"), contextlib.suppress(PlaywrightError):
        # Choosing closes the window, which can end the key press before it returns.
        chooser.keyboard.press("Enter")
    assert page.eval_on_selector("#id_hero_image", "s => s.selectedOptions[0].text") == "Garden"
    assert page.locator("#id_hero_image_preview img").get_attribute("alt") == (
        "The community garden"
    )

    # A body image: the editor's Figure dialog, its Browse... button, the same chooser.
    page.locator(".tiptap.ProseMirror[contenteditable=true]").click()
    page.keyboard.type("Words before the picture.")
    page.locator(".prose-menubar [title=figure]").first.click()
    dialog = page.locator("dialog[open]")
    with page.expect_popup() as popup_info:
        dialog.get_by_role("button", name="Browse...").click()
    body_chooser = popup_info.value
    body_chooser.wait_for_load_state()
    with body_chooser.expect_event("close"), contextlib.suppress(PlaywrightError):
        body_chooser.locator(".chooser__pick", has_text="Garden").click()
    assert dialog.locator("input[name=altText]").input_value() == "The community garden"
    dialog.locator("input[name=caption]").fill("The garden in June")
    dialog.get_by_role("button", name="Insert").click()
    with page.expect_navigation():
        page.click("input[name=_save]")
    post = Post.objects.get(title="Chosen")
    assert post.hero_image.title == "Garden"
    garden = post.hero_image
    assert f'data-file="{garden.pk}"' in post.body
    assert "<figcaption>The garden in June</figcaption>" in post.body
    assert list(post.body_image_uses.values_list("image_id", flat=True)) == [garden.pk]
    assert tab.csp_violations() == []
