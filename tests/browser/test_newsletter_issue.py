"""A newsletter manager composes and sends an issue in the admin, under the strict CSP;
the sent issue's public page passes axe at 320 px."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from people.models import NewsletterIssue, Subscriber
from tests.browser.conftest import NARROW
from tests.browser.test_accessibility import AXE_TAGS
from tests.people.helpers import run_worker

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery-staple-42"


def test_compose_send_and_read_an_issue_with_no_csp_violation(
    open_tab, django_user_model, settings
):
    from axe_playwright_python.sync_playwright import Axe

    settings.NEWSLETTER_SEND_PER_MINUTE = 0
    user = django_user_model.objects.create_user("nia", "nia@example.org", PASSWORD, is_staff=True)
    # The group's permissions by name: a flushed database (transactional tests before
    # this one) no longer has the group people 0003 made.
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="people",
            codename__in=[
                "view_newsletterissue",
                "add_newsletterissue",
                "change_newsletterissue",
                "send_newsletterissue",
                "view_subscriber",
            ],
        )
    )
    for n in range(2):
        Subscriber.objects.create(
            email=f"reader{n}@example.org",
            status=Subscriber.Status.ACTIVE,
            consented_at=timezone.now(),
            consent_version=1,
        )
    tab = open_tab()
    page = tab.page
    tab.goto(reverse("admin:login"))
    page.fill("#id_username", "nia")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")

    tab.goto(reverse("admin:people_newsletterissue_add"))
    page.locator("#id_subject").press_sequentially("Winter learning")
    assert page.input_value("#id_slug") == "winter-learning"
    page.locator(".tiptap.ProseMirror[contenteditable=true]").click()
    page.keyboard.type("Five new posts this month.")
    ticked = page.locator("input[name=posts]:checked").count()
    assert ticked > 0  # every demo post is new: no issue has been sent
    with page.expect_navigation():
        page.click("input[name=_continue]")
    assert page.get_by_text("2 subscribers would get this issue").is_visible()

    with page.expect_navigation():
        page.get_by_role("button", name="Send to 2 subscribers").click()
    assert page.get_by_text("Progress: 0 of 2 done").is_visible()
    run_worker()
    page.reload()
    assert page.get_by_text("Progress: 2 of 2 done").is_visible()
    assert tab.csp_violations() == []

    issue = NewsletterIssue.objects.get()
    assert issue.status == NewsletterIssue.Status.SENT and issue.items.count() == ticked
    narrow = open_tab(NARROW)
    assert narrow.goto(issue.get_absolute_url()).status == 200
    results = Axe().run(narrow.page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert results.violations_count == 0, results.generate_report()
    overflow = narrow.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert narrow.csp_violations() == []
