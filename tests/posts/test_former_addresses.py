"""Every address a published post had keeps working: a 301 to where the post is now."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from posts.models import FormerSlug, Post, record_slug_change
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def rename(post, slug):
    post.slug = slug
    post.save()
    return post


def addresses(slug):
    return [
        reverse("posts:detail", kwargs={"slug": slug}),
        reverse("posts:cite-bibtex", kwargs={"slug": slug}),
        reverse("posts:cite-ris", kwargs={"slug": slug}),
    ]


def test_every_old_address_of_a_published_post_answers_301_to_the_new_one(client):
    rename(make_post("Peer mentoring", slug="peer-mentoring"), "peer-mentoring-guide")
    pairs = zip(addresses("peer-mentoring"), addresses("peer-mentoring-guide"), strict=True)
    for old, new in pairs:
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == new
        # The new address answers: the redirect leads somewhere real.
        assert client.get(new).status_code == 200
        # A permanent move may be kept, but not as the 404 it was before.
        assert "max-age=3600" in response["Cache-Control"]


def test_the_query_string_is_kept(client):
    rename(make_post(slug="old-name"), "new-name")
    response = client.get("/posts/old-name/?utm_source=newsletter")
    assert response["Location"] == "/posts/new-name/?utm_source=newsletter"


def test_a_post_renamed_twice_sends_both_old_addresses_straight_to_the_current_one(client):
    post = make_post(slug="first")
    rename(post, "second")
    rename(post, "third")
    for old in ("first", "second"):
        response = client.get(f"/posts/{old}/")
        assert (response.status_code, response["Location"]) == (301, "/posts/third/")


def test_taking_an_old_slug_back_leaves_no_loop(client):
    post = make_post(slug="a")
    rename(post, "b")
    rename(post, "a")
    assert client.get("/posts/a/").status_code == 200
    assert client.get("/posts/b/")["Location"] == "/posts/a/"
    assert set(FormerSlug.objects.values_list("slug", flat=True)) == {"b"}


def test_a_new_post_taking_an_old_slug_wins(client):
    old = rename(make_post("Old", slug="shared"), "old-moved")
    assert client.get("/posts/shared/").status_code == 301
    newcomer = make_post("Newcomer", slug="shared")
    response = client.get("/posts/shared/")
    assert response.status_code == 200
    assert response.context["post"] == newcomer
    assert not FormerSlug.objects.filter(slug="shared").exists()
    assert client.get("/posts/old-moved/").context["post"] == old


def test_a_draft_renamed_before_publishing_leaves_no_old_address(client):
    post = make_post(slug="working-title", published=False)
    rename(post, "final-title")
    assert not FormerSlug.objects.exists()
    assert client.get("/posts/working-title/").status_code == 404


def test_an_old_address_of_a_post_now_unpublished_is_a_404(client):
    post = rename(make_post(slug="was-here"), "is-here")
    post.status = Post.Status.DRAFT
    post.save()
    response = client.get("/posts/was-here/")
    assert response.status_code == 404
    # The 404 is cached as one (ErrorResponsesMiddleware), and leaks no new address.
    assert "Location" not in response
    assert "max-age=60" in response["Cache-Control"]


def test_record_slug_change_lets_other_publish_paths_keep_an_old_address(client):
    post = make_post(slug="current")
    record_slug_change(post, "from-a-working-draft")
    record_slug_change(post, "current")  # its own slug is never a former one
    assert client.get("/posts/from-a-working-draft/")["Location"] == "/posts/current/"
    assert list(FormerSlug.objects.values_list("slug", flat=True)) == ["from-a-working-draft"]


def test_a_post_page_that_exists_never_looks_at_old_addresses(client):
    post = rename(make_post(slug="before"), "after")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(post.get_absolute_url()).status_code == 200
    assert not any("formerslug" in q["sql"].lower() for q in queries.captured_queries)


def test_renaming_through_the_admin_keeps_the_old_address(staff_client, client):
    """A live post is renamed as any of its edits is made: in its working draft, then
    published (posts.drafts); the old address answers from then on."""
    post = make_post("Admin renamed", slug="admin-renamed")
    start = reverse("admin:posts_post_working_draft", args=[post.pk, "start"])
    draft_url = staff_client.post(start)["Location"]
    draft = Post._base_manager.get(draft_of=post)
    data = {
        "title": post.title,
        "slug": "admin-renamed-later",
        "standfirst": post.standfirst,
        "body": post.body,
        "credits-TOTAL_FORMS": "0",
        "credits-INITIAL_FORMS": "0",
        "resources-TOTAL_FORMS": "0",
        "resources-INITIAL_FORMS": "0",
    }
    response = staff_client.post(draft_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    # Not public yet: the live post keeps its address until the draft is published.
    assert client.get("/posts/admin-renamed/").status_code == 200
    publish = reverse("admin:posts_post_working_draft", args=[draft.pk, "publish"])
    assert staff_client.post(publish).status_code == 302
    assert client.get("/posts/admin-renamed/cite.bib")["Location"] == (
        "/posts/admin-renamed-later/cite.bib"
    )


def test_the_slug_field_says_old_addresses_keep_working(staff_client):
    post = make_post(published_at=timezone.now() - timedelta(days=3))
    page = staff_client.get(reverse("admin:posts_post_change", args=[post.pk])).content.decode()
    assert "old address keeps working" in page
    assert "breaks links" not in page
