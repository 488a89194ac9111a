"""Responsive images in a real browser: the post's hero and the cards of a list, wide and
narrow. Chromium picks a rendition of the right size in WebP, nothing shifts as images
arrive, card images stay small, and axe and the CSP find nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.testcases import _MediaFilesHandler
from django.urls import reverse
from PIL import Image

from flse_hub.renditions.models import Rendition
from people.models import Person
from posts.media.models import Image as LibraryImage
from posts.models import Post
from tests.browser.conftest import DESKTOP, NARROW
from tests.browser.test_accessibility import AXE_TAGS
from tests.browser.waiting import all_images_loaded
from tests.people.helpers import run_worker

pytestmark = pytest.mark.browser

HERO_POST = "punching-above-your-weight-getting-academically-published-as-a-non-profit"
PERSON = "emily-page"
# Cumulative layout shift, as Chromium reports it to the page (buffered: it counts
# shifts from before the observer started).
LAYOUT_SHIFTS = """
() => new Promise((resolve) => {
  const shifts = [];
  const box = (rect) => [rect.x, rect.y, rect.width, rect.height];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.hadRecentInput) continue;
      shifts.push({value: entry.value, at: entry.startTime, sources: entry.sources.map((s) => ({
        node: s.node ? (s.node.outerHTML || s.node.textContent || "").slice(0, 160) : null,
        from: box(s.previousRect), to: box(s.currentRect)}))});
    }
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(shifts), 300);
})
"""


def rendition_at(url):
    """The Rendition a URL the browser chose is (naturalWidth is divided by the density)."""
    return Rendition.objects.get(name=url.split("/media/", 1)[1])


def noisy_jpeg(size, name):
    out = io.BytesIO()
    Image.effect_noise(size, 50).convert("RGB").save(out, "JPEG", quality=80)
    return SimpleUploadedFile(name, out.getvalue())


@pytest.fixture
def pictured_site(settings, tmp_path, monkeypatch, demo_site):
    """The demo site with library hero images on four posts and a photo of one person, and the
    worker's renditions of them, served by the site's own media view."""
    monkeypatch.setattr(_MediaFilesHandler, "_should_handle", lambda handler, path: False)
    settings.MEDIA_ROOT = tmp_path / "media"
    shapes = [(2400, 1350), (1800, 1200), (1200, 1600), (3000, 1000)]
    posts = Post.objects.published().order_by("-published_at")
    hero = posts.get(slug=HERO_POST)
    for post, size in zip([hero, *posts.exclude(pk=hero.pk)[:3]], shapes, strict=True):
        post.hero_image = LibraryImage.objects.create(
            title=post.title, file=noisy_jpeg(size, "hero.jpg"), alt="A test picture"
        )
        post.hero_image_alt = f"A test picture for {post.title}"
        post.save()
    person = Person.objects.get(slug=PERSON)
    person.photo = noisy_jpeg((900, 1100), "photo.jpg")
    person.photo_alt = "A test portrait"
    person.save()
    run_worker()
    return hero


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def load(tab, path):
    assert tab.goto(path).status == 200
    assert all_images_loaded(tab.page)


def check_page(tab, axe):
    results = axe.run(tab.page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert results.violations_count == 0, results.generate_report()
    # An image arriving without reserved space moves what follows by its own height: a
    # card thumbnail scores about 0.01, a hero 0.1 or more. One CI run on a loaded 2-core
    # machine saw 0.00011 on the person page, which repeated runs under load could not
    # reproduce; so the bar is a hundredth of the smallest image shift, and the sources
    # are printed should a shift ever come close.
    shifts = tab.page.evaluate(LAYOUT_SHIFTS)
    assert sum(shift["value"] for shift in shifts) < 0.001, shifts
    overflow = tab.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    # Every image says its size up front.
    assert (
        tab.page.evaluate(
            "[...document.images].filter((img) => !img.getAttribute('width') || "
            "!img.getAttribute('height')).length"
        )
        == 0
    )
    assert tab.csp_violations() == []


@pytest.mark.parametrize(
    ("viewport", "hero_width"), [(DESKTOP, 800), (NARROW, 400)], ids=["1280px", "320px"]
)
def test_the_post_hero_is_a_rendition_of_its_slot_size(
    open_tab, axe, pictured_site, viewport, hero_width
):
    tab = open_tab(viewport)
    load(tab, pictured_site.get_absolute_url())
    hero = tab.page.locator("img.post__image")
    src, loading = hero.evaluate("img => [img.currentSrc, img.loading]")
    assert src.endswith(".webp") and loading == "eager"
    assert rendition_at(src).width == hero_width
    # Shown at the width of the text column, in the original's shape.
    shown = hero.bounding_box()
    assert shown["width"] <= viewport["width"]
    assert abs(shown["height"] - shown["width"] * 1350 / 2400) < 2
    check_page(tab, axe)


@pytest.mark.parametrize(
    ("viewport", "thumbnail"), [(DESKTOP, 112), (NARROW, 88)], ids=["1280px", "320px"]
)
@pytest.mark.parametrize("url_name", ["posts:home", "posts:list"])
def test_card_images_are_small_lazy_renditions(open_tab, axe, pictured_site, viewport,
                                                thumbnail, url_name):  # fmt: skip
    tab = open_tab(viewport)
    load(tab, reverse(url_name))
    images = tab.page.locator(".post-card img.post-card__image")
    assert images.count() >= 3
    for index in range(images.count()):
        image = images.nth(index)
        box = image.bounding_box()
        assert (round(box["width"]), round(box["height"])) == (thumbnail, thumbnail)
        src, loading = image.evaluate("img => [img.currentSrc, img.loading]")
        assert src.endswith(".webp") and loading == "lazy"
        assert rendition_at(src).width == 400
        # A thumbnail beside the words, at the card's top right, not a banner over it.
        card = image.locator("xpath=ancestor::article").bounding_box()
        assert box["x"] > card["x"] + card["width"] / 2
        assert box["y"] < card["y"] + 30
    check_page(tab, axe)


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["1280px", "320px"])
def test_the_person_photo_is_a_round_rendition(open_tab, axe, pictured_site, viewport):
    tab = open_tab(viewport)
    load(tab, reverse("posts:person", kwargs={"slug": PERSON}))
    photo = tab.page.locator("img.person__photo")
    box = photo.bounding_box()
    assert (round(box["width"]), round(box["height"])) == (160, 160)
    assert photo.evaluate("img => img.currentSrc").endswith(".webp")
    check_page(tab, axe)
