"""Revisions of posts in the admin: recorded per save, listed, compared, restored as a draft;
working drafts from the admin; and the autosave endpoint."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Revision

from posts import drafts, revisions
from posts.admin_revisions import AUTOSAVE_MAX_BYTES
from posts.models import Post, Resource
from tests.factories import make_person, make_post, make_topic
from tests.posts.test_admin import add_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser("ed", "ed@example.org", "pw-for-tests-only")


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def staff_with(django_user_model, name, *codenames):
    user = django_user_model.objects.create_user(name, f"{name}@example.org", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def change_data(post, **overrides):
    """The change form of a draft `post`, as the browser would send it unchanged."""
    credits = list(post.credits.all())
    resources = list(post.resources.all())
    data = add_form_data(
        title=post.title,
        slug=post.slug,
        standfirst=post.standfirst,
        body=post.body,
        status=post.status,
        topics=list(post.topics.values_list("pk", flat=True)),
        **{"credits-TOTAL_FORMS": str(len(credits)), "credits-INITIAL_FORMS": str(len(credits))},
        **{
            "resources-TOTAL_FORMS": str(len(resources)),
            "resources-INITIAL_FORMS": str(len(resources)),
        },
    )
    for key in [k for k in data if k.startswith("resources-0-")]:
        del data[key]
    for i, credit in enumerate(credits):
        data.update({
            f"credits-{i}-id": credit.pk, f"credits-{i}-post": post.pk,
            f"credits-{i}-person": credit.person_id or "", f"credits-{i}-role": credit.role,
            f"credits-{i}-order": credit.order, f"credits-{i}-role_title": credit.role_title,
            f"credits-{i}-public_label": credit.public_label,
        })  # fmt: skip
    for i, resource in enumerate(resources):
        data.update({
            f"resources-{i}-id": resource.pk, f"resources-{i}-post": post.pk,
            f"resources-{i}-kind": resource.kind, f"resources-{i}-title": resource.title,
            f"resources-{i}-url": resource.url, f"resources-{i}-order": resource.order,
        })  # fmt: skip
    data.update(overrides)
    return data


@pytest.fixture
def draft_post():
    post = make_post(
        "Peer mentoring",
        published=False,
        authors=[make_person("Ruth Writer")],
        topics=[make_topic("Housing")],
        body="<p>We began small and grew slowly.</p>",
    )
    Resource.objects.create(post=post, title="Toolkit", url="https://example.org/toolkit")
    return post


def save_through_admin(client, post, **overrides):
    response = client.post(
        reverse("admin:posts_post_change", args=[post.pk]), change_data(post, **overrides)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def test_every_admin_save_is_one_revision_with_credits_topics_and_resources(
    editor_client, editor, draft_post
):
    save_through_admin(editor_client, draft_post, title="Peer mentoring, a year on")
    save_through_admin(editor_client, draft_post, body="<p>We began small and grew fast.</p>")

    history = list(revisions.history_of(draft_post))
    assert len(history) == Revision.objects.count() == 2
    newest, oldest = history
    assert newest.revision.user == editor
    assert "Body" in newest.revision.get_comment()
    assert "Title" in oldest.revision.get_comment()
    snapshot = revisions.snapshot_of_version(oldest)
    assert snapshot.fields["title"] == "Peer mentoring, a year on"
    assert [c["person_id"] for c in snapshot.credits] == [draft_post.credits.get().person_id]
    assert [r["title"] for r in snapshot.resources] == ["Toolkit"]
    assert snapshot.topic_ids == list(draft_post.topics.values_list("pk", flat=True))


def test_a_credit_removed_in_the_form_is_not_in_the_revision(editor_client, draft_post):
    save_through_admin(editor_client, draft_post, **{"credits-0-DELETE": "on"})
    snapshot = revisions.snapshot_of_version(revisions.history_of(draft_post).get())
    assert snapshot.credits == []


def test_compare_shows_the_changed_words(editor_client, draft_post):
    save_through_admin(editor_client, draft_post)
    save_through_admin(
        editor_client, draft_post, body="<p>We began <strong>small</strong> and grew fast.</p>"
    )
    newer, older = revisions.history_of(draft_post)
    url = reverse("admin:posts_post_compare", args=[draft_post.pk])
    response = editor_client.get(url, {"from": newer.pk, "to": older.pk})  # either order
    page = response.content.decode()
    assert response.status_code == 200
    assert "<del>slowly.</del><ins>fast.</ins>" in page
    assert "<strong>" not in page.split('class="revision-diff')[1]  # text, not markup
    assert " style=" not in page


def test_compare_refuses_bad_choices(editor_client, draft_post):
    save_through_admin(editor_client, draft_post)
    url = reverse("admin:posts_post_compare", args=[draft_post.pk])
    version = revisions.history_of(draft_post).get()
    assert editor_client.get(url, {"from": "x", "to": "1"}).status_code == 302
    assert editor_client.get(url, {"from": version.pk, "to": 10**9}).status_code == 404
    other = make_post("Other", published=False)
    revisions.record_revision(other, None, "Other post.")
    foreign = revisions.history_of(other).get()
    assert editor_client.get(url, {"from": version.pk, "to": foreign.pk}).status_code == 404


def test_revisions_need_view_permission_and_restore_needs_change(
    django_user_model, editor_client, draft_post
):
    save_through_admin(editor_client, draft_post)
    version = revisions.history_of(draft_post).get()
    history = reverse("admin:posts_post_history", args=[draft_post.pk])
    restore = reverse("admin:posts_post_restore", args=[draft_post.pk, version.pk])

    nobody = staff_with(django_user_model, "nobody")
    assert nobody.get(history).status_code == 403
    viewer = staff_with(django_user_model, "viewer", "view_post")
    page = viewer.get(history)
    assert page.status_code == 200 and "Restore" not in page.content.decode()
    assert viewer.post(restore).status_code == 403
    changer = staff_with(
        django_user_model, "changer", "view_post", "change_post", "change_any_post"
    )
    assert "Restore" in changer.get(history).content.decode()
    assert changer.post(restore).status_code == 302


def test_restore_on_a_draft_makes_it_the_drafts_content(editor_client, draft_post):
    save_through_admin(editor_client, draft_post)
    first = revisions.history_of(draft_post).get()
    save_through_admin(
        editor_client, draft_post, title="Renamed", **{"credits-0-DELETE": "on", "topics": []}
    )
    response = editor_client.post(
        reverse("admin:posts_post_restore", args=[draft_post.pk, first.pk])
    )
    assert response.status_code == 302
    draft_post.refresh_from_db()
    assert draft_post.title == "Peer mentoring"
    assert draft_post.status == Post.Status.DRAFT
    assert list(draft_post.credits.values_list("person__name", flat=True)) == ["Ruth Writer"]
    assert list(draft_post.topics.values_list("name", flat=True)) == ["Housing"]
    assert "Restored the version" in revisions.history_of(draft_post).first().revision.comment


def test_restore_on_a_live_post_makes_a_working_draft(client, editor_client, editor):
    post = make_post("Live title", body="<p>Published words.</p>")
    revisions.record_revision(post, editor, "Created.")
    old = revisions.history_of(post).get()
    draft = drafts.start_working_draft(post, editor)
    draft.title = "Newer title"
    draft.save()
    drafts.publish_working_draft(draft, editor)
    page_before = client.get(post.get_absolute_url()).content

    response = editor_client.post(reverse("admin:posts_post_restore", args=[post.pk, old.pk]))

    working = Post._base_manager.get(draft_of=post)
    assert response.url == reverse("admin:posts_post_change", args=[working.pk])
    assert working.title == "Live title"
    post.refresh_from_db()
    assert post.title == "Newer title"
    assert client.get(post.get_absolute_url()).content == page_before


def test_live_post_text_is_locked_and_editing_goes_through_a_working_draft(editor_client, editor):
    post = make_post("Live title", topics=[make_topic("Housing")])
    url = reverse("admin:posts_post_change", args=[post.pk])
    page = editor_client.get(url).content.decode()
    assert "This post is live" in page and 'name="title"' not in page

    # A forged post of the text changes nothing but publishing settings.
    when = timezone.localtime(post.published_at)
    response = editor_client.post(
        url,
        change_data(
            post,
            title="Defaced",
            topics=[],
            featured="on",
            published_at_0=when.strftime("%Y-%m-%d"),
            published_at_1=when.strftime("%H:%M:%S"),
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    post.refresh_from_db()
    assert (post.title, post.featured) == ("Live title", True)
    assert list(post.topics.values_list("name", flat=True)) == ["Housing"]

    start = reverse("admin:posts_post_working_draft", args=[post.pk, "start"])
    assert editor_client.get(start).status_code == 302
    assert not Post._base_manager.filter(draft_of=post).exists()  # GET changes nothing
    response = editor_client.post(start)
    draft = Post._base_manager.get(draft_of=post)
    assert response.url == reverse("admin:posts_post_change", args=[draft.pk])
    assert "This post has unpublished changes" in editor_client.get(url).content.decode()
    draft_page = editor_client.get(response.url).content.decode()
    assert "Working draft of a live post" in draft_page and 'name="status"' not in draft_page

    # The change list shows the live post once, not its working draft.
    listing = editor_client.get(reverse("admin:posts_post_changelist")).content.decode()
    assert listing.count(f"/{post.pk}/change/") == 1
    assert f"/{draft.pk}/change/" not in listing

    save_through_admin(editor_client, draft, title="Better title", topics=[])
    publish = reverse("admin:posts_post_working_draft", args=[draft.pk, "publish"])
    assert editor_client.post(publish).status_code == 302
    post.refresh_from_db()
    assert post.title == "Better title" and post.is_published


def test_publishing_and_discarding_from_the_admin_check_permissions(django_user_model, editor):
    post = make_post("Live title")
    draft = drafts.start_working_draft(post, editor)
    publish = reverse("admin:posts_post_working_draft", args=[draft.pk, "publish"])
    discard = reverse("admin:posts_post_working_draft", args=[draft.pk, "discard"])
    viewer = staff_with(django_user_model, "viewer", "view_post")
    assert viewer.post(publish).status_code == 403
    assert viewer.post(discard).status_code == 403
    changer = staff_with(
        django_user_model, "changer", "view_post", "change_post", "change_any_post"
    )
    assert "Discard the unpublished changes?" in changer.get(discard).content.decode()
    assert Post._base_manager.filter(pk=draft.pk).exists()
    assert changer.post(discard).status_code == 302
    assert not Post._base_manager.filter(pk=draft.pk).exists()


# --- Autosave ---------------------------------------------------------------------


def autosave_payload(post, **changes):
    fields = ["title", "standfirst", "body", "content_note", "seo_title", "seo_description"]
    return json.dumps({**{name: getattr(post, name) for name in fields}, **changes})


def autosave(client, post, payload, **extra):
    return client.post(
        reverse("admin:posts_post_autosave", args=[post.pk]),
        payload,
        content_type="application/json",
        **extra,
    )


def test_autosave_writes_the_draft_and_keeps_one_revision_per_ten_minutes(
    editor_client, draft_post
):
    for word in ("one", "two", "three"):
        response = autosave(editor_client, draft_post, autosave_payload(draft_post, title=word))
        assert response.status_code == 200 and response.json()["saved"] is True
    draft_post.refresh_from_db()
    assert draft_post.title == "three"
    history = list(revisions.history_of(draft_post))
    assert [v.revision.comment for v in history] == [revisions.AUTOSAVE_COMMENT]
    assert revisions.snapshot_of_version(history[0]).fields["title"] == "three"

    Revision.objects.update(date_created=timezone.now() - timedelta(minutes=11))
    autosave(editor_client, draft_post, autosave_payload(draft_post, title="four"))
    assert revisions.history_of(draft_post).count() == 2


def test_autosave_of_unchanged_text_records_nothing(editor_client, draft_post):
    assert autosave(editor_client, draft_post, autosave_payload(draft_post)).status_code == 200
    assert Revision.objects.count() == 0


def test_autosave_of_a_working_draft_changes_nothing_public(client, editor_client, editor):
    post = make_post("Live title")
    draft = drafts.start_working_draft(post, editor)
    page = client.get(post.get_absolute_url())
    response = autosave(editor_client, draft, autosave_payload(draft, title="Zebra"))
    assert response.status_code == 200
    again = client.get(post.get_absolute_url())
    assert again.content == page.content
    assert again["Last-Modified"] == page["Last-Modified"]


def test_autosave_refuses_a_live_post_and_staff_without_change_permission(
    django_user_model, editor_client, draft_post
):
    live = make_post("Live title")
    response = autosave(editor_client, live, autosave_payload(live, title="Defaced"))
    assert response.status_code == 409
    viewer = staff_with(django_user_model, "viewer", "view_post")
    assert autosave(viewer, draft_post, autosave_payload(draft_post, title="x")).status_code == 403
    assert autosave(Client(), draft_post, autosave_payload(draft_post)).status_code == 302
    live.refresh_from_db()
    draft_post.refresh_from_db()
    assert (live.title, draft_post.title) == ("Live title", "Peer mentoring")


def test_autosave_needs_the_csrf_token(editor, draft_post):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = autosave(client, draft_post, autosave_payload(draft_post, title="Forged"))
    assert response.status_code == 403
    # The script sends the token of the form it sits in.
    page = client.get(reverse("admin:posts_post_change", args=[draft_post.pk])).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = autosave(
        client, draft_post, autosave_payload(draft_post, title="Real"), HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ("not json", 400),
        ("[]", 400),
        (json.dumps({"title": "only a title"}), 400),
        (json.dumps({"title": 5}), 400),
    ],
)
def test_autosave_refuses_unreadable_input(editor_client, draft_post, payload, status):
    response = autosave(editor_client, draft_post, payload)
    assert response.status_code == status
    assert response.json()["saved"] is False and response.json()["error"]


def test_autosave_bounds_its_input_and_explains_invalid_text(editor_client, draft_post):
    huge = autosave_payload(draft_post, body="x" * AUTOSAVE_MAX_BYTES)
    response = autosave(editor_client, draft_post, huge)
    assert response.status_code == 413
    response = autosave(editor_client, draft_post, autosave_payload(draft_post, title=""))
    assert response.status_code == 400 and "title" in response.json()["error"].lower()
    response = autosave(editor_client, draft_post, autosave_payload(draft_post, title="t" * 251))
    assert response.status_code == 400
    draft_post.refresh_from_db()
    assert draft_post.title == "Peer mentoring"
    endpoint = reverse("admin:posts_post_autosave", args=[draft_post.pk])
    assert editor_client.get(endpoint).status_code == 405


def test_text_diff_escapes_and_marks_words():
    paragraphs = revisions.text_diff("a <b> c\nsame", "a <i> c\nsame")
    html = "".join(str(text) for _, text in paragraphs)
    assert html == "a <del>&lt;b&gt;</del><ins>&lt;i&gt;</ins> csame"
    assert [changed for changed, _ in paragraphs] == [True, False]


def test_body_text_keeps_paragraphs_and_drops_markup():
    body = "<h2>Start</h2><p>One &amp; <em>two</em></p><ul><li>three</li></ul>"
    assert revisions.body_text(body) == "Start\nOne & two\nthree"


def test_deleting_a_working_draft_in_the_admin_keeps_its_revisions(editor_client, editor):
    post = make_post("Live title")
    draft = drafts.start_working_draft(post, editor)
    response = editor_client.post(
        reverse("admin:posts_post_delete", args=[draft.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Post._base_manager.filter(pk=draft.pk).exists()
    assert [v.object_id for v in revisions.history_of(post)] == [str(post.pk)]
