"""A working draft of a live post changes nothing public until an editor publishes it."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from flse_hub.site.models import ContentVersion
from people.models import Person
from posts import drafts, revisions
from posts.models import Credit, Post, Resource, Topic
from posts.search import search
from tests.factories import make_person, make_post, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser("ed", "ed@example.org", "pw-for-tests-only")


@pytest.fixture
def live():
    author = make_person("Alan Author")
    post = make_post(
        "Housing first in Brighton",
        authors=[author],
        topics=[make_topic("Housing")],
        body="<p>Tenancies that last.</p>",
    )
    Resource.objects.create(post=post, title="Toolkit", url="https://example.org/toolkit")
    # Made now: a new person or topic is a public change of its own.
    make_person("Zoe Zebra")
    make_topic("Zebras")
    ContentVersion.objects.filter(pk=1).update(changed_at=timezone.now() - timedelta(hours=1))
    return post


def public_urls(post):
    return [
        post.get_absolute_url(),
        reverse("posts:home"),
        reverse("posts:list"),
        reverse("posts:feed-atom"),
        reverse("posts:feed-rss"),
        reverse("sitemap"),
        reverse("posts:topic", kwargs={"slug": "housing"}),
        reverse("posts:person", kwargs={"slug": "alan-author"}),
        reverse("posts:search") + "?q=zebras",
        reverse("posts:cite-bibtex", kwargs={"slug": post.slug}),
    ]


def public_view(client, post):
    pages = {}
    for url in public_urls(post):
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = (response.content.decode(), response.get("Last-Modified"))
    return pages


def edit_draft(draft):
    draft.title = "Zebras in Brighton"
    draft.standfirst = "Zebras everywhere."
    draft.body = "<p>Zebras crossing.</p>"
    draft.save()
    Credit.objects.create(post=draft, person=Person.objects.get(name="Zoe Zebra"), order=5)
    draft.topics.add(Topic.objects.get(name="Zebras"))
    Resource.objects.create(post=draft, title="Zebra guide", url="https://example.org/zebra")


def test_a_working_draft_changes_nothing_public_until_published(client, live, editor):
    before = public_view(client, live)

    draft = drafts.start_working_draft(live, editor)
    edit_draft(draft)

    assert public_view(client, live) == before
    assert Post.objects.published().filter(title__contains="Zebra").count() == 0
    assert search("zebras").hits == []
    live.refresh_from_db()
    assert live.title == "Housing first in Brighton"

    ContentVersion.objects.filter(pk=1).update(changed_at=timezone.now() - timedelta(hours=1))
    published, warnings = drafts.publish_working_draft(draft, editor)

    assert warnings == []
    assert published.pk == live.pk
    assert published.slug == live.slug
    assert not Post._base_manager.filter(pk=draft.pk).exists()
    after = public_view(client, live)
    page, modified = after[live.get_absolute_url()]
    assert "Zebras crossing." in page and "Zoe Zebra" in page and "Zebra guide" in page
    assert modified != before[live.get_absolute_url()][1]
    for url in (reverse("posts:feed-atom"), reverse("sitemap"), reverse("posts:list")):
        assert after[url] != before[url], url
    assert [hit.post.pk for hit in search("zebras").hits] == [live.pk]
    assert "Zebras in Brighton" in client.get(reverse("posts:feed-rss")).content.decode()


def test_publishing_keeps_the_live_posts_date_status_and_featured(live, editor):
    published_at = live.published_at
    Post.objects.filter(pk=live.pk).update(featured=True)
    draft = drafts.start_working_draft(live, editor)
    edit_draft(draft)
    post, _ = drafts.publish_working_draft(draft, editor)
    post.refresh_from_db()
    assert (post.published_at, post.status, post.featured) == (
        published_at,
        Post.Status.PUBLISHED,
        True,
    )
    assert sorted(post.topics.values_list("name", flat=True)) == ["Housing", "Zebras"]
    assert sorted(post.credits.values_list("person__name", flat=True)) == [
        "Alan Author",
        "Zoe Zebra",
    ]


def test_a_live_post_has_one_working_draft_and_a_draft_cannot_be_published(live, editor):
    draft = drafts.start_working_draft(live, editor)
    assert drafts.start_working_draft(live, editor).pk == draft.pk
    assert draft.slug == live.slug
    draft.status = Post.Status.PUBLISHED
    draft.published_at = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        draft.save()


def test_a_working_draft_may_not_take_another_posts_address(live, editor):
    make_post("Other", slug="other")
    draft = drafts.start_working_draft(live, editor)
    draft.slug = "other"
    with pytest.raises(ValidationError) as raised:
        draft.full_clean()
    assert "slug" in raised.value.message_dict
    draft.save()  # a save that skipped the form's check is still refused at publishing
    with pytest.raises(ValidationError):
        drafts.publish_working_draft(draft, editor)


def test_a_changed_slug_is_handed_to_the_slug_history_hook(live, editor, monkeypatch):
    seen = []
    monkeypatch.setattr(drafts, "slug_changed", lambda post, old: seen.append((post.slug, old)))
    draft = drafts.start_working_draft(live, editor)
    draft.slug = "housing-first-in-brighton-and-hove"
    draft.save()
    post, _ = drafts.publish_working_draft(draft, editor)
    assert post.slug == "housing-first-in-brighton-and-hove"
    assert seen == [("housing-first-in-brighton-and-hove", "housing-first-in-brighton")]


def test_discarding_leaves_the_live_post_and_keeps_the_history(client, live, editor):
    before = public_view(client, live)
    draft = drafts.start_working_draft(live, editor)
    edit_draft(draft)
    revisions.record_revision(draft, editor, "Changed Title.")

    drafts.discard_working_draft(draft, editor)

    assert not Post._base_manager.filter(draft_of=live).exists()
    assert public_view(client, live) == before
    assert [v.revision.comment for v in revisions.history_of(live)] == [
        "Changed Title.",
        "Started a working draft from the published version.",
    ]


def test_publishing_needs_the_publish_permission(live, django_user_model):
    writer = django_user_model.objects.create_user("writer", password="pw-for-tests-only")
    draft = drafts.start_working_draft(live, writer)
    with pytest.raises(PermissionDenied):
        drafts.publish_working_draft(draft, writer)
    assert Post._base_manager.filter(pk=draft.pk).exists()


def test_a_draft_post_has_no_working_draft(editor):
    post = make_post("Unpublished", published=False)
    with pytest.raises(ValidationError):
        drafts.start_working_draft(post, editor)


def test_scheduled_posts_are_live_too(editor):
    post = make_post("Later", published_at=timezone.now() + timedelta(days=2))
    draft = drafts.start_working_draft(post, editor)
    assert draft.draft_of_id == post.pk and draft.status == Post.Status.DRAFT


def test_a_published_drafts_revisions_keep_their_credits_and_topics(live, editor):
    draft = drafts.start_working_draft(live, editor)
    edit_draft(draft)
    revisions.record_revision(draft, editor, "Changed Title.")
    drafts.publish_working_draft(draft, editor)

    adopted = revisions.history_of(live).get(revision__comment="Changed Title.")
    assert adopted.object_id == str(live.pk)
    snapshot = revisions.snapshot_of_version(adopted)
    assert snapshot.fields["title"] == "Zebras in Brighton"
    assert len(snapshot.credits) == 2 and len(snapshot.resources) == 2
    assert len(snapshot.topic_ids) == 2
