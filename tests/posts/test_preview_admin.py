"""Preview links and contributors' answers in the admin: who may do what, and what they see."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.urls import reverse

from posts.models import Post
from posts.previews import services
from posts.previews.admin import may_manage_previews
from posts.previews.models import ContributorResponse, PreviewLink
from tests.factories import make_post
from tests.posts.test_previews import agree, ask_for_changes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def draft():
    return make_post("Partnership lessons", published=False)


def links_url(post):
    return reverse("admin:posts_post_preview_links", args=[post.pk])


def change_url(post):
    return reverse("admin:posts_post_change", args=[post.pk])


def staff(django_user_model, username, *codenames):
    user = django_user_model.objects.create_user(username, f"{username}@example.org", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def create(client, post, **data):
    return client.post(
        links_url(post),
        {"action": "create", "recipient": "Sam, contributor", "days": "7", **data},
    )


def test_an_editor_makes_a_link_and_sees_it_once(staff_client, draft):
    response = create(staff_client, draft, days="3", dies_on_change="on")
    assert response.status_code == 201
    url = re.search(r'id="new-preview-link" value="([^"]+)"', response.text)[1]
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert url == f"http://testserver{reverse('posts:preview', kwargs={'token': token})}"
    link = PreviewLink.objects.get()
    assert link.token_hash == services.hash_token(token)
    assert (link.recipient, link.dies_on_change) == ("Sam, contributor", True)
    assert (link.expires_at - link.created_at).days == 3
    assert link.created_by.username == "editor"
    assert "no-store" in response["Cache-Control"]
    # Afterwards: listed, with its state, but never the link again.
    for page in (staff_client.get(links_url(draft)), staff_client.get(change_url(draft))):
        assert token not in page.text
        assert "Link made on" in page.text and "Active" in page.text
    assert staff_client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"recipient": ""}, "This field is required"),
        ({"recipient": "x" * 101}, "at most 100 characters"),
        ({"days": "0"}, "greater than or equal to 1"),
        ({"days": "31"}, "less than or equal to 30"),
        ({"days": "a week"}, "Enter a whole number"),
    ],
)
def test_bad_link_details_are_refused_with_a_clear_error(staff_client, draft, data, error):
    response = create(staff_client, draft, **data)
    assert response.status_code == 400
    assert error in response.text
    assert not PreviewLink.objects.exists()


def test_revoking_a_link_stops_it_and_shows_its_state(staff_client, draft, client):
    link, token = services.make_link(draft, recipient="Partner org")
    assert "the link for Partner org</span>" in staff_client.get(links_url(draft)).text
    response = staff_client.post(links_url(draft), {"action": "revoke", "link": link.pk})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by.username == "editor"
    assert client.get(reverse("posts:preview", kwargs={"token": token})).status_code == 410
    page = staff_client.get(links_url(draft))
    assert "Revoked" in page.text and "the link for Partner org</span>" not in page.text


def test_a_link_of_another_post_cannot_be_revoked_through_this_one(staff_client, draft):
    other_link, _ = services.make_link(make_post("Other"), recipient="Someone")
    response = staff_client.post(links_url(draft), {"action": "revoke", "link": other_link.pk})
    assert response.status_code == 302
    other_link.refresh_from_db()
    assert other_link.revoked_at is None
    follow = staff_client.get(response["Location"])
    assert "not one of this post" in follow.text


@pytest.mark.parametrize("link_value", ["", "abc", "99999"])
def test_a_bad_link_id_is_a_message_not_an_error(staff_client, draft, link_value):
    response = staff_client.post(links_url(draft), {"action": "revoke", "link": link_value})
    assert response.status_code == 302


def test_the_states_are_listed(staff_client, draft):
    from datetime import timedelta

    from django.utils import timezone

    services.make_link(draft, recipient="Active one")
    expired, _ = services.make_link(draft, recipient="Expired one")
    PreviewLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(1))
    revoked, _ = services.make_link(draft, recipient="Revoked one")
    services.revoke_link(revoked)
    services.make_link(draft, recipient="Changing one", dies_on_change=True)
    draft.title = "Partnership lessons, revised"
    draft.save()
    text = staff_client.get(links_url(draft)).text
    rows = {
        name: re.search(rf"<td>{name}</td>.*?</tr>", text, re.S)[0]
        for name in ("Active one", "Expired one", "Revoked one", "Changing one")
    }
    assert "<td>Active</td>" in rows["Active one"]
    assert "<td>Expired</td>" in rows["Expired one"]
    assert "<td>Revoked (" in rows["Revoked one"]
    assert "<td>Post changed</td>" in rows["Changing one"]


# --- permissions ---------------------------------------------------------------------


@pytest.mark.parametrize("codenames", [(), ("view_post",), ("view_post", "add_post")])
def test_staff_who_may_not_change_posts_get_nothing(client, django_user_model, draft, codenames):
    link, _ = services.make_link(draft, recipient="Sam")
    client.force_login(staff(django_user_model, "viewer", *codenames))
    assert client.get(links_url(draft)).status_code == 403
    assert create(client, draft).status_code == 403
    revoke = client.post(links_url(draft), {"action": "revoke", "link": link.pk})
    assert revoke.status_code == 403
    assert PreviewLink.objects.count() == 1
    link.refresh_from_db()
    assert link.revoked_at is None
    if "view_post" in codenames:
        page = client.get(change_url(draft))
        assert page.status_code == 200
        assert "Preview links" not in page.text
        assert "preview-links-panel" not in page.text
        assert "contributor-answers-panel" not in page.text


def test_a_writer_who_may_change_the_post_still_makes_no_links(client, django_user_model, draft):
    # Sending a version out for agreement is an editor's step, as publishing is.
    client.force_login(staff(django_user_model, "writer", "change_post", "change_any_post"))
    assert client.get(links_url(draft)).status_code == 403
    assert create(client, draft).status_code == 403
    assert PreviewLink.objects.count() == 0


def test_editors_manage_links(client, django_user_model, draft):
    client.force_login(
        staff(django_user_model, "editor", "change_post", "change_any_post", "publish_post")
    )
    assert client.get(links_url(draft)).status_code == 200
    assert create(client, draft).status_code == 201
    page = client.get(change_url(draft))
    assert f'href="{links_url(draft)}"' in page.text
    assert "preview-links-panel" in page.text and "contributor-answers-panel" in page.text


def test_visitors_who_are_not_signed_in_go_to_the_login(client, draft):
    for response in (client.get(links_url(draft)), create(client, draft)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert not PreviewLink.objects.exists()


def test_a_non_staff_account_with_change_post_is_sent_to_the_login(client, django_user_model):
    post = make_post("P", published=False)
    user = django_user_model.objects.create_user("outsider", "o@example.org")
    user.user_permissions.set(Permission.objects.filter(codename="change_post"))
    client.force_login(user)
    assert create(client, post).status_code == 302
    assert not PreviewLink.objects.exists()


def test_an_unknown_post_is_a_404(staff_client):
    assert (
        staff_client.get(reverse("admin:posts_post_preview_links", args=[9999])).status_code == 404
    )


def test_per_post_permission_is_asked_for(rf, django_user_model):
    """A post admin that refuses this post refuses its links, whatever the model permission."""
    from posts.admin import PostAdmin

    mine, theirs = make_post("Mine"), make_post("Theirs")

    class OwnPostsOnly(PostAdmin):
        def has_change_permission(self, request, obj=None):
            return obj is None or obj == mine

    request = rf.get("/")
    request.user = staff(django_user_model, "editor", "change_post", "publish_post")
    model_admin = OwnPostsOnly(Post, admin.site)
    assert may_manage_previews(model_admin, request, mine)
    assert not may_manage_previews(model_admin, request, theirs)
    assert not may_manage_previews(model_admin, request, None)


# --- answers and warnings in the admin -----------------------------------------------


def test_the_post_page_lists_answers_with_their_version(staff_client, client, draft):
    _link, token = services.make_link(draft, recipient="Sam, contributor")
    agree(client, token, name="Samira Typed-Name")
    page = staff_client.get(change_url(draft)).text
    assert "Samira Typed-Name" in page and "Agreed to publishing" in page
    answer = ContributorResponse.objects.get()
    assert answer.fingerprint[:12] in page
    assert "the version now in the form" in page
    assert "Before publishing" not in page

    draft.standfirst = "Changed after the agreement."
    draft.save()
    page = staff_client.get(change_url(draft)).text
    assert "an older version" in page
    assert "Before publishing: This version differs from the one Sam, contributor agreed to" in page


def test_a_changes_request_shows_and_warns(staff_client, client, draft):
    _link, token = services.make_link(draft, recipient="Sam, contributor")
    ask_for_changes(client, token, message="Not my words <script>")
    page = staff_client.get(change_url(draft)).text
    assert "Asked for changes" in page
    assert "Not my words &lt;script&gt;" in page
    assert "Before publishing: Sam, contributor asked for changes" in page


def publish(client, *posts, confirm=False):
    data = {"action": "publish_now", "_selected_action": [p.pk for p in posts]}
    if confirm:
        data["confirm_publish"] = "yes"
    return client.post(reverse("admin:posts_post_changelist"), data)


def test_publishing_a_version_nobody_agreed_to_asks_first(staff_client, client, draft):
    _link, token = services.make_link(draft, recipient="Sam, contributor")
    agree(client, token)
    draft.body = "<p>Edited afterwards.</p>"
    draft.save()
    quiet = make_post("Nobody was asked", published=False)

    response = publish(staff_client, draft, quiet)
    assert response.status_code == 200
    assert "differs from the one Sam, contributor agreed to" in response.text
    assert "Nobody was asked" not in response.text
    draft.refresh_from_db()
    quiet.refresh_from_db()
    assert draft.status == quiet.status == Post.Status.DRAFT

    response = publish(staff_client, draft, quiet, confirm=True)
    assert response.status_code == 302
    draft.refresh_from_db()
    quiet.refresh_from_db()
    assert draft.is_published and quiet.is_published


def test_publishing_the_agreed_version_needs_no_confirmation(staff_client, client, draft):
    _link, token = services.make_link(draft, recipient="Sam, contributor")
    agree(client, token)
    assert publish(staff_client, draft).status_code == 302
    draft.refresh_from_db()
    assert draft.is_published
