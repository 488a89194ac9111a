"""The preview/approval page in a real browser: accessible at 1280 and 320 px under the
strict CSP, and a contributor's agreement reaching the editor's admin page."""

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import expect

from posts.models import Post
from posts.previews import services
from posts.previews.models import ContributorResponse
from tests.browser.conftest import DESKTOP, NARROW
from tests.browser.pages import ANONYMOUS_POST
from tests.browser.test_accessibility import AXE_TAGS

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery-staple-42"
# FLSE_SCREENSHOTS=folder keeps a PNG of each state for a person to look at.
SCREENSHOTS = os.environ.get("FLSE_SCREENSHOTS")


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def draft_with_link(**options):
    """A demo post with an anonymous author, back to draft, and a link to preview it."""
    post = Post.objects.get(slug=ANONYMOUS_POST)
    post.status = Post.Status.DRAFT
    post.save()
    _link, token = services.make_link(post, recipient="Sam, contributor", **options)
    return post, reverse("posts:preview", kwargs={"token": token})


def shoot(tab, name):
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        width = tab.page.viewport_size["width"]
        tab.page.screenshot(path=f"{SCREENSHOTS}/{name}-{width}.png", full_page=True)


def send_empty_agreement(page):
    with page.expect_navigation():
        page.get_by_role("button", name="I agree to this version being published").click()


def revoke_first(post):
    services.revoke_link(post.preview_links.first())


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["1280px", "320px"])
@pytest.mark.parametrize(
    ("state", "status"),
    [("fresh", 200), ("with errors", 400), ("dead link", 410)],
)
def test_the_preview_page_passes_axe_and_the_csp(open_tab, axe, viewport, state, status):
    post, path = draft_with_link()
    if state == "dead link":
        revoke_first(post)
    tab = open_tab(viewport)
    response = tab.goto(path)
    if state == "with errors":
        send_empty_agreement(tab.page)
        assert tab.page.locator(".error-summary").is_visible()
        # The error summary takes focus, so a screen reader starts there.
        assert tab.page.evaluate("document.activeElement.id") == "error-summary"
    else:
        assert response.status == status
    shoot(tab, f"preview-{state.replace(' ', '-')}")

    results = axe.run(tab.page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    print(f"axe preview {state} @ {viewport['width']}px: {results.violations_count} violations")
    assert results.violations_count == 0, results.generate_report()
    overflow = tab.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the preview page scrolls sideways by {overflow}px"
    assert tab.csp_violations() == []


def test_a_contributor_agrees_and_the_editor_sees_it(open_tab, django_user_model):
    django_user_model.objects.create_superuser("editor", "editor@example.org", PASSWORD)
    post, path = draft_with_link()

    # The contributor, with no account, opens the link and agrees by typing a name.
    contributor = open_tab(NARROW)
    page = contributor.page
    contributor.goto(path)
    assert page.get_by_text("Preview for Sam, contributor — not published").is_visible()
    assert page.get_by_role("heading", level=1).inner_text() == post.title
    page.get_by_role("link", name="Agree or ask for changes").click()
    page.get_by_label("Your name", exact=True).fill("Sam Okafor")
    with page.expect_navigation():
        page.get_by_role("button", name="I agree to this version being published").click()
    assert page.get_by_text("We have recorded that you agree").is_visible()
    shoot(contributor, "preview-agreed")
    assert contributor.csp_violations() == []
    answer = ContributorResponse.objects.get()
    assert (answer.kind, answer.name) == ("agreed", "Sam Okafor")

    # The editor signs in and finds the agreement on the post's admin page.
    editor = open_tab(DESKTOP)
    admin_page = editor.page
    editor.goto(reverse("admin:login"))
    admin_page.fill("#id_username", "editor")
    admin_page.fill("#id_password", PASSWORD)
    with admin_page.expect_navigation():
        admin_page.click("input[type=submit]")
    editor.goto(reverse("admin:posts_post_change", args=[post.pk]))
    answers = admin_page.locator("#contributor-answers-panel")
    assert answers.get_by_text("Agreed to publishing", exact=True).is_visible()
    assert answers.get_by_text("Sam Okafor").is_visible()
    assert answers.get_by_text("the version now in the form").is_visible()
    links = admin_page.locator("#preview-links-panel")
    assert links.get_by_text("Sam, contributor", exact=True).is_visible()
    assert links.get_by_text("Active", exact=True).is_visible()
    answers.scroll_into_view_if_needed()
    shoot(editor, "admin-post-with-agreement")

    # A new link from the links page: shown once, copied with the button (static JS).
    admin_page.get_by_role("link", name="Preview links", exact=True).click()
    admin_page.get_by_label("Who is it for?").fill("Partner organisation")
    with admin_page.expect_navigation():
        admin_page.get_by_role("button", name="Make a link").click()
    editor.context.grant_permissions(["clipboard-read", "clipboard-write"])
    admin_page.get_by_role("button", name="Copy link").click()
    # The script writes "Copied" once the clipboard has answered: wait for it, as a reader would.
    expect(admin_page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    copied = admin_page.evaluate("navigator.clipboard.readText()")
    assert copied == admin_page.input_value("#new-preview-link")
    assert "/preview/" in copied
    shoot(editor, "admin-new-preview-link")
    assert editor.csp_violations() == []
