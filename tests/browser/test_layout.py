"""What a first reader sees: results before filters on a phone, one search box, no
squeezed messages, a compact Exit this page on touch screens, a light post ending."""

import pytest
from django.urls import reverse
from django.utils import timezone

from people import tokens
from people.models import Subscriber
from tests.browser.conftest import DESKTOP
from tests.browser.pages import SENSITIVE_POST

pytestmark = pytest.mark.browser

# An iPhone 12-14 sized screen; touch and no hover, as a phone reports them.
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def phone(browser, live_server, demo_site):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def test_on_a_phone_the_first_search_result_is_on_the_first_screen(phone):
    phone.goto(phone.base_url + reverse("posts:search") + "?q=housing")
    first = box(phone, ".search-hit")
    assert first["y"] < PHONE["viewport"]["height"], first
    # The filters are folded away until asked for, and open without a script.
    assert not phone.get_by_role("heading", name="Topic").is_visible()
    phone.get_by_text("Narrow the results by topic or year").click()
    assert phone.get_by_role("heading", name="Topic").is_visible()


@pytest.mark.parametrize("query", ["", "?q=housing", "?q=zzzqqxx", "?q=housing&topic=women"])
def test_the_search_page_has_one_search_box(open_tab, query):
    tab = open_tab()
    tab.goto(reverse("posts:search") + query)
    assert tab.page.locator("input[type=search]").count() == 1
    assert tab.page.get_by_role("search").count() == 1
    # Other pages keep the header's box.
    tab.goto(reverse("posts:home"))
    assert tab.page.locator("header input[type=search]").count() == 1


def test_a_filter_in_use_shows_its_filters_open(open_tab):
    tab = open_tab()
    tab.goto(reverse("posts:search") + "?q=housing&topic=women")
    assert tab.page.locator("details.search-facets").get_attribute("open") is not None


def test_no_results_message_is_as_wide_as_the_content_column(open_tab):
    tab = open_tab(DESKTOP)
    tab.goto(reverse("posts:search") + "?q=zzzqqxx")
    message = box(tab.page, ".search-none")
    column = box(tab.page, ".search-box")
    assert message["width"] == pytest.approx(column["width"], abs=1)
    assert message["x"] == pytest.approx(column["x"], abs=1)


def test_exit_this_page_on_a_phone_is_compact_without_the_keyboard_hint(phone):
    phone.goto(phone.base_url + reverse("posts:detail", kwargs={"slug": SENSITIVE_POST}))
    button = phone.get_by_role("link", name="Exit this page")
    assert button.is_visible()
    assert not phone.get_by_text("Or press Shift 3 times").is_visible()
    bar = box(phone, ".exit-this-page")
    assert bar["height"] <= 60, bar
    assert button.bounding_box()["height"] >= 44  # still a comfortable target
    # Sticky: it stays on screen when reading further down, above the content's flow.
    phone.evaluate("window.scrollTo({top: 2000, behavior: 'instant'})")
    assert phone.evaluate("window.scrollY") > 1000
    assert box(phone, ".exit-this-page")["y"] == pytest.approx(0, abs=1)
    # At the top it sits above the header, not over it.
    phone.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
    assert box(phone, ".site-header")["y"] >= bar["height"] - 1


def test_clear_filters_lines_up_with_the_button(open_tab):
    tab = open_tab(DESKTOP)
    tab.goto(reverse("posts:list") + "?topic=women&year=2015")
    button = box(tab.page, ".filters button")
    clear = box(tab.page, ".filters__clear")
    assert clear["y"] + clear["height"] / 2 == pytest.approx(
        button["y"] + button["height"] / 2, abs=1
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE["viewport"]], ids=["1280", "390"])
def test_newsletter_box_link_has_room_below_the_button(open_tab, viewport):
    tab = open_tab(viewport)
    tab.goto(reverse("posts:home"))
    button = box(tab.page, ".newsletter-box button")
    link = tab.page.locator(".newsletter-box > p > a").last.bounding_box()
    assert link["y"] - (button["y"] + button["height"]) >= 16


def test_a_post_ends_with_ruled_sections_not_grey_boxes(open_tab):
    tab = open_tab(DESKTOP)
    tab.goto(reverse("posts:detail", kwargs={"slug": SENSITIVE_POST}))
    backgrounds = tab.page.eval_on_selector_all(
        ".cite-this, .resources, .contact-block, .related",
        "els => els.map(el => getComputedStyle(el).backgroundColor)",
    )
    assert len(backgrounds) >= 2
    assert set(backgrounds) == {"rgba(0, 0, 0, 0)"}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE["viewport"]], ids=["1280", "390"])
def test_confirm_button_has_room_before_the_next_line(open_tab, viewport):
    subscriber = Subscriber.objects.create(
        email="reader@example.org", consented_at=timezone.now(), consent_version=1
    )
    tab = open_tab(viewport)
    tab.goto(
        reverse("people:newsletter-confirm", args=[tokens.make(tokens.CONFIRM, subscriber.pk)])
    )
    button = box(tab.page, "main form button")
    after = tab.page.locator("main form + p").bounding_box()
    assert after["y"] - (button["y"] + button["height"]) >= 16
