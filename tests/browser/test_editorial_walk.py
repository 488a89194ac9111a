"""The whole editorial walk in a real browser, as issue 10 describes it: a writer writes
and submits a post, an editor sends it back with a comment, the writer fixes it and
submits again, the editor sends a preview link, the contributor (no account) agrees
to that version through it, and the editor publishes. Every page under the strict CSP."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.urls import reverse

from posts import roles
from posts.models import Post, ReviewEvent
from posts.previews.models import ContributorResponse
from tests.browser.conftest import DESKTOP, NARROW

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery-staple-42"
TITLE = "What the hostel residents told us"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def staff(django_user_model, username, group):
    user = django_user_model.objects.create_user(
        username, f"{username}@example.org", PASSWORD, is_staff=True, first_name=username.title()
    )
    user.groups.add(Group.objects.get(name=group))
    return user


def sign_in(tab, username):
    tab.goto(reverse("admin:login"))
    tab.page.fill("#id_username", username)
    tab.page.fill("#id_password", PASSWORD)
    with tab.page.expect_navigation():
        tab.page.click("input[type=submit]")


def save(tab):
    with tab.page.expect_navigation():
        tab.page.click("input[name=_save]")
    errors = tab.page.locator(".errornote, .errorlist")
    assert errors.count() == 0, errors.first.inner_text()


def test_writer_editor_contributor_and_publication(open_tab, django_user_model):
    staff(django_user_model, "wren", roles.WRITERS)
    staff(django_user_model, "eddie", roles.EDITORS)

    # 1. The writer writes a new post and submits it; publishing is not on offer.
    writer = open_tab(DESKTOP)
    sign_in(writer, "wren")
    writer.goto(reverse("admin:posts_post_add"))
    page = writer.page
    page.fill("#id_title", TITLE)
    page.fill("#id_standfirst", "Six residents on what made the pilot work.")
    page.locator(".tiptap.ProseMirror[contenteditable=true]").click()
    page.keyboard.type("The residents asked for keys of their own.")
    assert page.locator("#id_status option").all_inner_texts() == ["Draft", "In review"]
    page.select_option("#id_status", "in_review")
    page.fill("#id_review_comment", "First draft, ready for a look.")
    save(writer)
    post = Post.objects.get(title=TITLE)
    assert post.status == Post.Status.IN_REVIEW
    assert "keys of their own" in post.body
    assert writer.csp_violations() == []

    # 2. The editor finds it waiting and sends it back with a comment.
    editor = open_tab(DESKTOP)
    sign_in(editor, "eddie")
    panel = editor.page.locator(".index-panels")
    with editor.page.expect_navigation():
        panel.get_by_role("link", name=TITLE).click()
    editor.page.select_option("#id_status", "draft")
    editor.page.fill("#id_review_comment", "Please say how many residents took part.")
    save(editor)
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT

    # 3. The writer reads the comment, fixes the text and submits again.
    writer.goto(reverse("admin:posts_post_change", args=[post.pk]))
    assert "how many residents" in page.locator(".review-timeline").inner_text()
    page.locator(".tiptap.ProseMirror[contenteditable=true]").click()
    page.keyboard.press("End")
    page.keyboard.type(" Six of the eight residents took part.")
    page.select_option("#id_status", "in_review")
    save(writer)
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW
    assert "Six of the eight" in post.body

    # 4. The editor makes a preview link for the contributor.
    editor.goto(reverse("admin:posts_post_change", args=[post.pk]))
    with editor.page.expect_navigation():
        editor.page.get_by_role("link", name="Preview links", exact=True).click()
    editor.page.get_by_label("Who is it for?").fill("Sam, a resident")
    with editor.page.expect_navigation():
        editor.page.get_by_role("button", name="Make a link").click()
    link = editor.page.input_value("#new-preview-link")
    assert "/preview/" in link

    # 5. The contributor, with no account, reads that version and agrees to it.
    contributor = open_tab(NARROW)
    contributor.page.goto(link)
    assert contributor.page.get_by_role("heading", level=1).inner_text() == TITLE
    assert contributor.page.get_by_text("Six of the eight residents").is_visible()
    contributor.page.get_by_label("Your name", exact=True).fill("Sam")
    with contributor.page.expect_navigation():
        contributor.page.get_by_role(
            "button", name="I agree to this version being published"
        ).click()
    assert contributor.page.get_by_text("We have recorded that you agree").is_visible()
    assert contributor.csp_violations() == []
    assert ContributorResponse.objects.get().name == "Sam"

    # 6. The editor sees the agreement is about this version, and publishes it.
    editor.goto(reverse("admin:posts_post_change", args=[post.pk]))
    answers = editor.page.locator("#contributor-answers-panel")
    assert answers.get_by_text("the version now in the form").is_visible()
    editor.page.select_option("#id_status", "published")
    save(editor)
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED
    steps = list(ReviewEvent.objects.filter(post=post).order_by("at", "pk"))
    assert [(e.from_status, e.to_status) for e in steps] == [
        ("draft", "in_review"),
        ("in_review", "draft"),
        ("draft", "in_review"),
        ("in_review", "published"),
    ]
    reader = open_tab(NARROW)
    response = reader.goto(post.get_absolute_url())
    assert response.status == 200
    assert reader.page.get_by_text("Six of the eight residents").is_visible()
    assert editor.csp_violations() == []
    assert writer.csp_violations() == []
