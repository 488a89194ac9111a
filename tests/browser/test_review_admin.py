"""The review workflow in a real browser: a writer submits, an editor sees it waiting on
the admin home and sends it back; the post list's filters. Axe checks what this work
added (the home panels, the filters, the review history) at 1280 and 320 px, and no
page may violate the CSP."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from posts import roles
from posts.models import Post
from tests.browser.conftest import DESKTOP, NARROW
from tests.browser.test_accessibility import AXE_TAGS
from tests.factories import make_post

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def staff(django_user_model, username, group, first_name):
    user = django_user_model.objects.create_user(
        username, f"{username}@example.org", PASSWORD, is_staff=True, first_name=first_name
    )
    user.groups.add(Group.objects.get(name=group))
    return user


def sign_in(tab, username):
    tab.goto(reverse("admin:login"))
    tab.page.fill("#id_username", username)
    tab.page.fill("#id_password", PASSWORD)
    with tab.page.expect_navigation():
        tab.page.click("input[type=submit]")


def assert_no_axe_violations(axe, tab, selector):
    results = axe.run(
        tab.page,
        context={"include": [[selector]]},
        options={"runOnly": {"type": "tag", "values": AXE_TAGS}},
    )
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["1280px", "320px"])
def test_writer_submits_and_editor_sends_back_from_the_home_panel(
    open_tab, django_user_model, axe, viewport
):
    writer = staff(django_user_model, "wren", roles.WRITERS, "Wren")
    staff(django_user_model, "eddie", roles.EDITORS, "Eddie")
    draft = make_post("Our hostel pilot", published=False, created_by=writer)
    make_post("Next month's update", published_at=timezone.now() + timedelta(days=3))

    # The writer submits their draft; "Published" is not on offer.
    tab = open_tab(viewport)
    sign_in(tab, "wren")
    tab.goto(reverse("admin:posts_post_change", args=[draft.pk]))
    options = tab.page.locator("#id_status option").all_inner_texts()
    assert options == ["Draft", "In review"]
    tab.page.select_option("#id_status", "in_review")
    tab.page.fill("#id_review_comment", "Ready when you are.")
    with tab.page.expect_navigation():
        tab.page.click("input[name=_save]")
    assert tab.page.locator(".messagelist .success").is_visible()
    draft.refresh_from_db()
    assert draft.status == Post.Status.IN_REVIEW
    assert tab.csp_violations() == []

    # The editor finds it on the admin home, with who sent it, and sends it back.
    tab = open_tab(viewport)
    sign_in(tab, "eddie")
    panel = tab.page.locator(".index-panels")
    assert panel.get_by_role("heading", name="Waiting for review").is_visible()
    assert "submitted by Wren" in panel.inner_text()
    assert "Next month's update" in panel.inner_text()
    assert_no_axe_violations(axe, tab, ".index-panels")
    with tab.page.expect_navigation():
        panel.get_by_role("link", name="Our hostel pilot").click()
    tab.page.select_option("#id_status", "draft")
    tab.page.fill("#id_review_comment", "Please add what the residents said.")
    with tab.page.expect_navigation():
        tab.page.click("input[name=_save]")
    draft.refresh_from_db()
    assert draft.status == Post.Status.DRAFT
    tab.goto(reverse("admin:posts_post_change", args=[draft.pk]))
    history = tab.page.locator(".review-timeline")
    assert "Please add what the residents said." in history.inner_text()
    assert_no_axe_violations(axe, tab, ".field-review_timeline")
    print(f"CSP violations in the review walk @ {viewport['width']}px: {len(tab.csp_violations())}")
    assert tab.csp_violations() == []


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["1280px", "320px"])
def test_the_post_list_filters_by_state_and_mine(open_tab, django_user_model, axe, viewport):
    writer = staff(django_user_model, "wren", roles.WRITERS, "Wren")
    make_post("Wren's draft", published=False, created_by=writer)
    make_post("Someone's review", published=False, status=Post.Status.IN_REVIEW)
    tab = open_tab(viewport)
    sign_in(tab, "wren")
    tab.goto(reverse("admin:posts_post_changelist"))
    filters = tab.page.locator("#changelist-filter")
    if not filters.is_visible():  # narrow screens fold the filters away
        tab.page.locator("#changelist-filter-header, .changelist-filter-toggle").first.click()
    assert_no_axe_violations(axe, tab, "#changelist-filter")

    with tab.page.expect_navigation():
        filters.get_by_role("link", name="In review", exact=True).click()
    listed = tab.page.locator("#result_list").inner_text()
    assert "Someone's review" in listed
    assert "Wren's draft" not in listed

    tab.goto(reverse("admin:posts_post_changelist") + "?mine=1")
    listed = tab.page.locator("#result_list").inner_text()
    assert "Wren's draft" in listed and "Someone's review" not in listed
    assert tab.csp_violations() == []
