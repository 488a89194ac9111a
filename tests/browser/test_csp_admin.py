"""The admin and its rich-text editor work under the strict CSP, with no violation."""

import pytest
from django.urls import reverse

from posts.models import Credit, Post

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery-staple-42"


def test_staff_create_and_publish_a_post_with_no_csp_violation(open_tab, django_user_model):
    django_user_model.objects.create_superuser("editor", "editor@example.org", PASSWORD)
    tab = open_tab()
    page = tab.page

    # Sign in through the real form (django-axes checks every attempt).
    tab.goto(reverse("admin:login"))
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.get_by_role("heading", name="Write and publish").is_visible()

    tab.goto(reverse("admin:posts_post_add"))
    page.locator("#id_title").press_sequentially("Learning under a strict policy")
    assert page.input_value("#id_slug") == "learning-under-a-strict-policy"  # prepopulate JS ran
    page.fill("#id_standfirst", "What we learned about keeping the admin safe.")

    # Type into the ProseMirror editor and use its toolbar.
    page.locator(".tiptap.ProseMirror[contenteditable=true]").click()
    page.keyboard.type("The editor works without unsafe-inline. ")
    page.keyboard.press("Control+b")
    page.keyboard.type("Bold words")

    page.select_option("#id_status", "published")

    # An author in the inline, chosen through the autocomplete (select2); Alan
    # Wallace comes with the demo content.
    page.locator("#credits-0 .field-person .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("Alan")
    page.locator(".select2-results__option", has_text="Alan Wallace").click()
    page.fill("#id_credits-0-role_title", "Systems Change Officer")

    with page.expect_navigation():
        page.click("input[name=_save]")
    assert page.locator(".messagelist .success").is_visible(), page.content()[:2000]

    post = Post.objects.get(slug="learning-under-a-strict-policy")
    assert post.is_published
    assert "<strong>Bold words</strong>" in post.body
    assert post.credits.get().role == Credit.Role.AUTHOR

    # The new post is public, and the change list and public page load cleanly too.
    tab.goto(post.get_absolute_url())
    assert page.get_by_role("heading", name="Learning under a strict policy").is_visible()
    violations = tab.csp_violations()
    print(f"CSP violations in the admin publish flow: {len(violations)}")
    assert violations == []
