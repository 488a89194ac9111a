"""Staff write a page in the admin's rich-text editor, see its history and recover an old
version, under the strict CSP with no violation."""

import pytest
from django.urls import reverse
from reversion.models import Version

from flse_hub.site.models import Page

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery-staple-42"


def test_staff_write_a_page_and_recover_an_old_version(open_tab, django_user_model):
    django_user_model.objects.create_superuser("editor", "editor@example.org", PASSWORD)
    tab = open_tab()
    page = tab.page
    tab.goto(reverse("admin:login"))
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")

    tab.goto(reverse("admin:site_page_add"))
    page.locator("#id_title").press_sequentially("Terms of use")
    assert page.input_value("#id_slug") == "terms-of-use"  # prepopulate JS ran
    page.locator(".tiptap.ProseMirror[contenteditable=true]").click()
    page.keyboard.type("First terms.")
    page.select_option("#id_status", "published")
    with page.expect_navigation():
        page.click("input[name=_continue]")
    assert page.locator(".messagelist .success").is_visible(), page.content()[:2000]

    editor = page.locator(".tiptap.ProseMirror[contenteditable=true]")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("Second terms.")
    with page.expect_navigation():
        page.click("input[name=_continue]")
    terms = Page.objects.get(slug="terms-of-use")
    assert terms.body == "<p>Second terms.</p>"

    # History lists both versions; the older one opens in the form and saving recovers it.
    tab.goto(reverse("admin:site_page_history", args=[terms.pk]))
    oldest = Version.objects.get_for_object(terms).last()
    with page.expect_navigation():
        page.click(f"a[href$='/{oldest.pk}/']")
    with page.expect_navigation():
        page.click("input[name=_save]")
    terms.refresh_from_db()
    assert terms.body == "<p>First terms.</p>"

    tab.goto(terms.get_absolute_url())
    assert page.get_by_role("heading", name="Terms of use").is_visible()
    violations = tab.csp_violations()
    print(f"CSP violations in the page editing flow: {len(violations)}")
    assert violations == []
