import pytest
from django.test import Client
from django.urls import reverse

from posts.models import Credit, Post, Resource
from tests.factories import make_person, make_post, make_topic

pytestmark = pytest.mark.django_db


def add_form_data(**overrides):
    data = {
        "title": "What we learned about peer mentoring",
        "slug": "what-we-learned-about-peer-mentoring",
        "standfirst": "Peer mentors changed how people used our service.",
        "body": (
            '<h2>Starting out</h2><p style="font-family:Calibri" onclick="x()">We began '
            '<a href="javascript:alert(1)">small</a>.</p><script>alert(1)</script>'
        ),
        "status": "published",
        "published_at_0": "",
        "published_at_1": "",
        "credits-TOTAL_FORMS": "2",
        "credits-INITIAL_FORMS": "0",
        "credits-MIN_NUM_FORMS": "0",
        "credits-MAX_NUM_FORMS": "1000",
        "resources-TOTAL_FORMS": "1",
        "resources-INITIAL_FORMS": "0",
        "resources-MIN_NUM_FORMS": "0",
        "resources-MAX_NUM_FORMS": "1000",
        "resources-0-kind": "toolkit",
        "resources-0-title": "Peer mentoring toolkit",
        "resources-0-url": "https://example.org/toolkit.pdf",
        "resources-0-order": "0",
    }
    data.update(overrides)
    return data


def test_staff_creates_and_publishes_a_post_through_the_add_form(staff_client):
    ian = make_person("Ian Harrison", job_title="Engagement Worker")
    andree = make_person("Andree Ralph", email="andree@example.org", show_email=True)
    topic = make_topic("Co-production")
    add_url = reverse("admin:posts_post_add")

    page = staff_client.get(add_url)
    assert page.status_code == 200
    assert b"data-django-prose-editor" in page.content  # the rich-text editor, not a bare textarea

    response = staff_client.post(
        add_url,
        add_form_data(
            topics=[topic.pk],
            **{
                "credits-0-person": ian.pk,
                "credits-0-role": "author",
                "credits-0-role_title": "Engagement and Co-production Worker",
                "credits-0-order": "0",
                "credits-0-public_label": "Anonymous team member",
                "credits-1-person": andree.pk,
                "credits-1-role": "contact",
                "credits-1-role_title": "Co-production and Engagement Lead",
                "credits-1-order": "0",
                "credits-1-public_label": "Anonymous team member",
            },
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors

    post = Post.objects.get(slug="what-we-learned-about-peer-mentoring")
    assert post.is_published
    assert (
        post.body == '<h2>Starting out</h2><p>We began <a rel="noopener noreferrer">small</a>.</p>'
    )
    assert list(post.topics.all()) == [topic]
    assert [(c.person, c.role) for c in post.credits.all()] == [
        (ian, Credit.Role.AUTHOR),
        (andree, Credit.Role.CONTACT),
    ]

    public = Client().get(post.get_absolute_url()).content.decode()
    assert "Engagement and Co-production Worker" in public
    assert "mailto:andree@example.org" in public
    assert "Peer mentoring toolkit" in public


def test_a_draft_saved_in_the_admin_stays_private(staff_client):
    response = staff_client.post(
        reverse("admin:posts_post_add"),
        add_form_data(status="draft", **{"credits-TOTAL_FORMS": "0"}),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    post = Post.objects.get()
    assert post.status == Post.Status.DRAFT
    assert Client().get(post.get_absolute_url()).status_code == 404


def test_add_form_reports_a_missing_title(staff_client):
    response = staff_client.post(reverse("admin:posts_post_add"), add_form_data(title=""))
    assert response.status_code == 200
    assert "title" in response.context["adminform"].form.errors
    assert not Post.objects.exists()


def test_topic_autocomplete_answers_for_the_post_form(staff_client):
    make_topic("Trauma-informed practice")
    make_topic("Employment")
    response = staff_client.get(
        reverse("admin:autocomplete"),
        {"term": "trau", "app_label": "posts", "model_name": "post", "field_name": "topics"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Trauma-informed practice"]


def test_post_list_shows_status_authors_and_topics(staff_client):
    hidden = make_person("Hidden Writer")
    make_post(
        "Anonymous story",
        authors=[(hidden, {"anonymous": True, "public_label": "Anonymous team member"})],
        topics=[make_topic("Lived experience")],
    )
    make_post("Unfinished", published=False)
    response = staff_client.get(reverse("admin:posts_post_changelist"))
    html = response.content.decode()
    assert "Hidden Writer (anonymous)" in html  # staff know who wrote it
    assert "Lived experience" in html
    assert "Draft" in html
    filtered = staff_client.get(reverse("admin:posts_post_changelist"), {"status__exact": "draft"})
    assert list(filtered.context["cl"].result_list) == [Post.objects.get(slug="unfinished")]


def test_publish_action_publishes_drafts(staff_client):
    draft = make_post("Ready", published=False)
    staff_client.post(
        reverse("admin:posts_post_changelist"),
        {"action": "publish_now", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.is_published


def test_view_only_staff_cannot_change_a_post_by_posting_its_form(client, django_user_model):
    """The change form, inlines and all, saves nothing for someone who may only look."""
    from django.contrib.auth.models import Permission

    writer = make_person("Ruth Writer")
    topic = make_topic("Housing")
    # A draft: a live post's text is locked and changes through a working draft
    # (tests/posts/test_revisions.py).
    post = make_post("Original title", authors=[writer], topics=[topic], published=False)
    credit = post.credits.get()
    resource = Resource.objects.create(
        post=post, kind="link", title="Old link", url="https://example.org/"
    )
    data = add_form_data(
        title="Defaced",
        slug=post.slug,
        status="draft",
        topics=[],
        **{
            "credits-TOTAL_FORMS": "1",
            "credits-INITIAL_FORMS": "1",
            "credits-0-id": credit.pk,
            "credits-0-post": post.pk,
            "credits-0-person": writer.pk,
            "credits-0-role": "author",
            "credits-0-order": "0",
            "credits-0-public_label": "Anonymous team member",
            "credits-0-DELETE": "on",
            "resources-INITIAL_FORMS": "1",
            "resources-0-id": resource.pk,
            "resources-0-post": post.pk,
            "resources-0-title": "Replaced link",
        },
    )
    url = reverse("admin:posts_post_change", args=[post.pk])

    def state():
        fresh = Post.objects.get(pk=post.pk)
        return (
            fresh.title, fresh.status, fresh.body, list(fresh.topics.all()),
            list(fresh.credits.values_list("pk", flat=True)),
            list(fresh.resources.values_list("title", flat=True)),
        )  # fmt: skip

    before = state()
    viewer = django_user_model.objects.create_user("viewer", "v@example.org", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_post"))
    client.force_login(viewer)
    assert client.get(url).status_code == 200  # they may look
    assert client.post(url, data).status_code == 403
    assert state() == before

    # The same form from an editor who may change posts does change it all.
    editor = Client()
    editor.force_login(django_user_model.objects.create_superuser("ed", "ed@example.org", "pw"))
    response = editor.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    title, status, body, topics, credits, resources = state()
    assert (title, status, topics, credits, resources) == (
        "Defaced",
        "draft",
        [],
        [],
        ["Replaced link"],
    )
    assert body != before[2]


def test_view_only_staff_can_neither_see_nor_run_publishing_actions(client, django_user_model):
    """The reported reproducer: a `view_post` user posting "Publish now" and "Return to draft"."""
    from django.contrib.auth.models import Permission

    draft = make_post("Not ready", published=False)
    public = make_post("Out there")
    viewer = django_user_model.objects.create_user("viewer", "v@example.org", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_post"))
    client.force_login(viewer)
    changelist = reverse("admin:posts_post_changelist")
    page = client.get(changelist).content.decode()
    assert "Not ready" in page
    assert "publish_now" not in page and "make_draft" not in page

    for action, post in [("publish_now", draft), ("make_draft", public)]:
        client.post(changelist, {"action": action, "index": "0", "_selected_action": [post.pk]})
    draft.refresh_from_db()
    public.refresh_from_db()
    assert draft.status == Post.Status.DRAFT
    assert public.is_published

    # Changing posts is not publishing them: that takes publish_post (posts.roles).
    viewer.user_permissions.add(Permission.objects.get(codename="change_post"))
    page = client.get(changelist).content.decode()
    assert "publish_now" not in page and "submit_for_review" in page
    viewer.user_permissions.add(Permission.objects.get(codename="publish_post"))
    assert "publish_now" in client.get(changelist).content.decode()
