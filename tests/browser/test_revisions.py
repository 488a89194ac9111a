"""The revision screens and the autosaving editor in a real Chromium: axe, CSP, dialogs."""

import pytest
from django.urls import reverse

from posts import drafts, revisions
from posts.models import Post
from tests.browser.conftest import DESKTOP, NARROW
from tests.browser.test_accessibility import AXE_TAGS

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser("editor", "editor@example.org", PASSWORD)


def sign_in(tab):
    tab.goto(reverse("admin:login"))
    tab.page.fill("#id_username", "editor")
    tab.page.fill("#id_password", PASSWORD)
    with tab.page.expect_navigation():
        tab.page.click("input[type=submit]")


@pytest.fixture
def edited_live_post(editor):
    """A demo post with a published working draft: two revisions that differ in words."""
    live = Post.objects.published().order_by("pk").first()
    draft = drafts.start_working_draft(live, editor)
    draft.title = f"{live.title}, revisited"
    draft.body = draft.body.replace("<p>", "<p>A new first sentence. ", 1)
    draft.save()
    revisions.record_revision(draft, editor, "Changed Title and Body.")
    drafts.publish_working_draft(draft, editor)
    return live


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["1280px", "320px"])
def test_revision_list_and_compare_pass_axe_with_no_csp_violation(
    open_tab, axe, editor, edited_live_post, viewport
):
    tab = open_tab(viewport)
    sign_in(tab)
    page = tab.page
    tab.goto(reverse("admin:posts_post_history", args=[edited_live_post.pk]))
    assert page.locator("#revision-list tbody tr").count() == 3
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert results.violations_count == 0, results.generate_report()

    page.locator("#revision-list tbody tr").last.locator("input[name=from]").check()
    with page.expect_navigation():
        page.click("text=Compare the chosen revisions")
    assert page.locator(".revision-diff ins", has_text="revisited").count() == 1
    assert page.locator(".revision-diff ins", has_text="A new first sentence.").count() == 1
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert results.violations_count == 0, results.generate_report()
    overflow = page.evaluate(
        "document.querySelector('#content-main').scrollWidth"
        " - document.querySelector('#content-main').clientWidth"
    )
    assert overflow <= 0, f"the comparison scrolls sideways by {overflow}px"
    assert tab.csp_violations() == []


def test_writing_autosaves_and_leaving_with_unsaved_changes_asks_first(open_tab, editor, settings):
    settings.POST_AUTOSAVE_SECONDS = 1
    live = Post.objects.published().order_by("pk").first()
    tab = open_tab()
    sign_in(tab)
    page = tab.page
    tab.goto(reverse("admin:posts_post_change", args=[live.pk]))
    with page.expect_navigation():
        page.click("text=Edit the text in a working draft")
    draft = Post._base_manager.get(draft_of=live)

    page.locator("#id_title").fill("Autosaved title")
    page.locator(".tiptap.ProseMirror[contenteditable=true]").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Typed and kept.")
    page.locator("#autosave-status[data-state=saved]").wait_for()
    assert "Saved at" in page.locator("#autosave-status").inner_text()
    draft.refresh_from_db()
    assert draft.title == "Autosaved title" and "Typed and kept." in draft.body
    live.refresh_from_db()
    assert live.title != "Autosaved title"  # readers still see the published version

    # Everything typed is saved: leaving asks nothing.
    # (The post form has no app sidebar: the breadcrumbs are the way out.)
    page.click(".breadcrumbs a:text-is('Home')")
    page.wait_for_url(lambda url: "/change/" not in url)
    page.go_back()
    page.wait_for_selector("#id_standfirst")

    # A change to the inlines is never autosaved: a link out asks in words, and
    # staying keeps the page as it was.
    page.fill("#id_credits-0-role_title", "Changed but not saved")
    asked = []

    def dismiss(dialog):
        asked.append((dialog.type, dialog.message))
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click(".breadcrumbs a:text-is('Home')")
    assert asked == [
        ("confirm", "You have unsaved changes to this post. Leave the page and lose them?")
    ]
    assert page.input_value("#id_credits-0-role_title") == "Changed but not saved"

    # Any other way out (here a reload) meets the browser's own leave-page dialog.
    def dismiss_unload(dialog):
        asked.append((dialog.type, ""))
        dialog.dismiss()

    page.once("dialog", dismiss_unload)
    page.evaluate("location.reload()")
    page.wait_for_timeout(300)
    assert asked[-1] == ("beforeunload", "")
    assert page.input_value("#id_credits-0-role_title") == "Changed but not saved"
    assert tab.csp_violations() == []


def test_a_failed_autosave_says_so_and_keeps_the_text(open_tab, editor, settings):
    settings.POST_AUTOSAVE_SECONDS = 1
    post = Post.objects.published().order_by("pk").first()
    Post.objects.filter(pk=post.pk).update(status=Post.Status.DRAFT)
    tab = open_tab()
    sign_in(tab)
    page = tab.page
    tab.goto(reverse("admin:posts_post_change", args=[post.pk]))
    page.locator("#id_title").fill("")  # a title is required: the server refuses
    page.locator("#autosave-status").filter(has_text="Not saved").wait_for()
    assert "title" in page.locator("#autosave-status").inner_text().lower()
    assert page.input_value("#id_title") == ""
    post.refresh_from_db()
    assert post.title != ""
