"""The review workflow through every admin path, as Writers and Editors (posts.roles):
crafted form POSTs, every post action, the emails the worker sends, the list filters
and the staff home panel."""

import socket
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from posts import roles, workflow
from posts.models import Post, ReviewEvent
from tests.factories import make_post
from tests.people.helpers import run_worker

pytestmark = pytest.mark.django_db

Status = Post.Status


def member(django_user_model, username, group, **fields):
    fields.setdefault("email", f"{username}@example.org")
    user = django_user_model.objects.create_user(username, is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def writer(django_user_model):
    return member(django_user_model, "wren", roles.WRITERS, first_name="Wren", last_name="Writer")


@pytest.fixture
def other_writer(django_user_model):
    return member(django_user_model, "otto", roles.WRITERS)


@pytest.fixture
def editor(django_user_model):
    return member(django_user_model, "eddie", roles.EDITORS, first_name="Eddie")


def as_user(client, user):
    client.force_login(user)
    return client


def local_parts(value):
    if value is None:
        return "", ""
    value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")


def form_data(post=None, **overrides):
    """The post form as the admin page submits it: the post's stored values, or a new one."""
    if post is None:
        data = {
            "title": "Notes from the steering group",
            "slug": "notes-from-the-steering-group",
            "standfirst": "What the group decided.",
            "body": "<p>We met.</p>",
            "status": "draft",
            "published_at_0": "",
            "published_at_1": "",
        }
    else:
        date, time = local_parts(post.published_at)
        data = {
            "title": post.title,
            "slug": post.slug,
            "standfirst": post.standfirst,
            "body": post.body,
            "status": post.status,
            "published_at_0": date,
            "published_at_1": time,
            "initial-published_at_0": date,
            "initial-published_at_1": time,
        }
    for prefix in ("credits", "resources"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(overrides)
    return data


def change_url(post):
    return reverse("admin:posts_post_change", args=[post.pk])


CHANGELIST = reverse("admin:posts_post_changelist")


def run_action(client, action, posts):
    return client.post(
        CHANGELIST,
        {"action": action, "index": "0", "_selected_action": [p.pk for p in posts]},
        follow=True,
    )


def form_errors(response):
    return response.context["adminform"].form.errors


def snapshot(post):
    post.refresh_from_db()
    return (post.title, post.status, post.published_at, post.body)


# --- writers ------------------------------------------------------------------------------


def test_a_writer_creates_a_draft_they_own(client, writer):
    response = as_user(client, writer).post(reverse("admin:posts_post_add"), form_data())
    assert response.status_code == 302, form_errors(response)
    post = Post.objects.get()
    assert post.created_by == writer
    assert post.status == Status.DRAFT
    assert not ReviewEvent.objects.exists()


@pytest.mark.parametrize("status", ["published"])
@pytest.mark.parametrize("when", ["", "future"])
def test_a_writer_cannot_create_a_published_or_scheduled_post(client, writer, status, when):
    date, time = local_parts(timezone.now() + timedelta(days=3)) if when else ("", "")
    data = form_data(status=status, published_at_0=date, published_at_1=time)
    response = as_user(client, writer).post(reverse("admin:posts_post_add"), data)
    assert response.status_code == 200
    assert "You do not have permission to publish or schedule posts" in str(
        form_errors(response)["status"]
    )
    assert not Post.objects.exists()
    # Nothing they typed is lost: the form comes back with it.
    assert "Notes from the steering group" in response.content.decode()


def test_a_writer_cannot_publish_their_draft_by_crafting_the_form(client, writer):
    draft = make_post("My draft", published=False, created_by=writer)
    before = snapshot(draft)
    data = form_data(draft, status="published", title="My draft, retitled")
    response = as_user(client, writer).post(change_url(draft), data)
    assert response.status_code == 200
    assert "permission to publish" in str(form_errors(response)["status"])
    assert snapshot(draft) == before
    assert "My draft, retitled" in response.content.decode()
    # The status menu offers only what they may do.
    offered = response.context["adminform"].form.fields["status"].widget.choices
    assert [value for value, _ in offered] == ["draft", "in_review"]


def test_a_writer_edits_and_submits_their_draft_through_the_form(client, writer, editor):
    draft = make_post("My draft", published=False, created_by=writer)
    data = form_data(draft, status="in_review", title="Ready now", review_comment="Over to you")
    response = as_user(client, writer).post(change_url(draft), data)
    assert response.status_code == 302, form_errors(response)
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("Ready now", Status.IN_REVIEW)
    event = draft.review_events.get()
    assert (event.from_status, event.to_status, event.by, event.comment) == (
        Status.DRAFT,
        Status.IN_REVIEW,
        writer,
        "Over to you",
    )


@pytest.mark.parametrize("state", ["in_review", "live", "scheduled", "others_draft"])
def test_a_writer_cannot_change_a_post_in_review_live_scheduled_or_someone_elses(
    client, writer, other_writer, state
):
    owner = other_writer if state == "others_draft" else writer
    fields = {
        "in_review": {"published": False, "status": Status.IN_REVIEW},
        "live": {},
        "scheduled": {"published_at": timezone.now() + timedelta(days=2)},
        "others_draft": {"published": False},
    }[state]
    post = make_post("Someone's post", created_by=owner, **fields)
    before = snapshot(post)
    client = as_user(client, writer)
    later = local_parts(timezone.now() + timedelta(days=30))
    crafted = form_data(
        post, title="Changed", published_at_0=later[0], published_at_1=later[1], status="draft"
    )
    assert client.post(change_url(post), crafted).status_code == 403
    assert (
        client.post(reverse("admin:posts_post_delete", args=[post.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert snapshot(post) == before
    # They may still read it, told why they cannot change it, with no comment box.
    page = client.get(change_url(post))
    assert page.status_code == 200
    expected = {
        "in_review": "waiting for review: only editors can change it now",
        "live": "published: only editors can change it",
        "scheduled": "published: only editors can change it",
        "others_draft": "This draft belongs to another writer",
    }[state]
    assert expected in page.content.decode()
    assert "review_comment" not in page.content.decode()


@pytest.mark.parametrize("action", ["publish_now", "make_draft", "delete_selected"])
def test_writers_are_not_offered_editors_actions_and_crafted_ones_do_nothing(
    client, writer, action
):
    mine = make_post("Mine", published=False, created_by=writer)
    live = make_post("Live one", created_by=writer)
    client = as_user(client, writer)
    page = client.get(CHANGELIST).content.decode()
    assert f'value="{action}"' not in page
    assert 'value="submit_for_review"' in page
    before = [snapshot(mine), snapshot(live)]
    run_action(client, action, [mine, live])
    assert [snapshot(mine), snapshot(live)] == before
    assert Post.objects.count() == 2


def test_workflow_functions_refuse_a_writer_whatever_the_caller(writer):
    draft = make_post("Mine", published=False, created_by=writer)
    before = snapshot(draft)
    with pytest.raises(workflow.TransitionRefused, match="permission to publish"):
        workflow.publish(draft, writer)
    with pytest.raises(workflow.TransitionRefused, match="already draft"):
        workflow.send_back(draft, writer, "no")
    assert snapshot(draft) == before
    assert not ReviewEvent.objects.exists()
    workflow.submit(draft, writer)
    with pytest.raises(workflow.TransitionRefused, match="Only editors"):
        workflow.send_back(draft, writer, "Changed my mind")
    with pytest.raises(workflow.TransitionRefused, match="permission to publish"):
        workflow.publish(draft, writer)
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW
    assert draft.review_events.count() == 1


# --- editors ------------------------------------------------------------------------------


def submitted(writer, title="Waiting post", **fields):
    post = make_post(title, published=False, created_by=writer, **fields)
    workflow.submit(post, writer)
    return post


def test_sending_back_needs_a_comment_and_loses_nothing(client, writer, editor):
    post = submitted(writer)
    client = as_user(client, editor)
    data = form_data(post, status="draft", title="Edited by the editor", review_comment="  ")
    response = client.post(change_url(post), data)
    assert response.status_code == 200
    assert "Say what needs changing" in str(form_errors(response)["status"])
    assert snapshot(post)[:2] == ("Waiting post", Status.IN_REVIEW)
    assert "Edited by the editor" in response.content.decode()

    data["review_comment"] = "Please add the date of the meeting."
    assert client.post(change_url(post), data).status_code == 302
    post.refresh_from_db()
    assert post.status == Status.DRAFT
    event = post.review_events.first()
    assert (event.to_status, event.by, event.comment) == (
        Status.DRAFT,
        editor,
        "Please add the date of the meeting.",
    )
    # The writer may edit it again.
    assert as_user(client, writer).post(change_url(post), form_data(post)).status_code == 302


def test_an_editor_publishes_and_schedules_through_the_form(client, writer, editor):
    now_post = submitted(writer, "Now post")
    later_post = submitted(writer, "Later post")
    client = as_user(client, editor)
    response = client.post(change_url(now_post), form_data(now_post, status="published"))
    assert response.status_code == 302, form_errors(response)
    now_post.refresh_from_db()
    assert now_post.is_published

    when = timezone.now() + timedelta(days=5)
    date, time = local_parts(when)
    data = form_data(later_post, status="published", published_at_0=date, published_at_1=time)
    assert client.post(change_url(later_post), data).status_code == 302
    later_post.refresh_from_db()
    assert later_post.is_scheduled
    assert abs(later_post.published_at - when) < timedelta(seconds=1)


def test_an_editor_reschedules_a_live_post_and_a_resave_is_no_step(client, writer, editor):
    post = make_post("Live", created_by=writer)
    client = as_user(client, editor)
    assert (
        client.post(change_url(post), form_data(post, title="Live, typo fixed")).status_code == 302
    )
    assert not post.review_events.exists()  # content only: no workflow step, no email

    post.refresh_from_db()
    date, time = local_parts(timezone.now() + timedelta(days=1))
    data = form_data(post, published_at_0=date, published_at_1=time)
    assert client.post(change_url(post), data).status_code == 302
    post.refresh_from_db()
    assert post.is_scheduled
    assert post.review_events.get().to_status == Status.PUBLISHED


def test_a_refused_step_says_why(client, editor, writer):
    post = make_post("Live", created_by=writer)
    response = as_user(client, editor).post(change_url(post), form_data(post, status="in_review"))
    assert response.status_code == 200
    assert "cannot be moved to “In review”. Return it to draft first." in str(
        form_errors(response)["status"]
    )


def test_editor_actions_publish_unpublish_and_name_what_they_skip(client, writer, editor):
    waiting = submitted(writer)
    draft = make_post("Draft", published=False, created_by=writer)
    live = make_post("Live", created_by=writer)
    client = as_user(client, editor)

    response = run_action(client, "publish_now", [waiting, draft])
    waiting.refresh_from_db()
    draft.refresh_from_db()
    assert waiting.is_published and draft.is_published
    assert "Published: 2 post(s)." in [str(m) for m in response.context["messages"]]

    other = submitted(writer, "Still waiting")
    response = run_action(client, "make_draft", [live, other])
    live.refresh_from_db()
    other.refresh_from_db()
    assert live.status == Status.DRAFT
    assert other.status == Status.IN_REVIEW  # sending back needs a comment: the post's page
    texts = " ".join(str(m) for m in response.context["messages"])
    assert "“Still waiting”" in texts and "Say what needs changing" in texts


def test_the_post_page_shows_the_review_history(client, writer, editor):
    post = submitted(writer)
    workflow.send_back(post, editor, "Add <b>sources</b>, please.")
    page = as_user(client, editor).get(change_url(post)).content.decode()
    assert "Wren Writer" in page  # the writer, on the post
    assert "Draft → In review</strong>, by Wren Writer" in page
    assert "In review → Draft</strong>, by Eddie" in page
    assert "Add &lt;b&gt;sources&lt;/b&gt;, please." in page


# --- emails --------------------------------------------------------------------------------


def test_each_step_is_emailed_by_the_worker_to_the_right_people(
    client, writer, editor, django_user_model
):
    member(django_user_model, "second-editor", roles.EDITORS)
    django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    member(django_user_model, "no-address", roles.EDITORS, email="")
    retired = member(django_user_model, "retired", roles.EDITORS)
    retired.is_active = False
    retired.save()

    post = make_post("Hostel wellbeing", published=False, created_by=writer)
    workflow.submit(post, writer)
    assert mail.outbox == []  # nothing inside the request
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "eddie@example.org",
        "root@example.org",
        "second-editor@example.org",
    ]
    message = mail.outbox[0]
    assert message.subject == "For review: Hostel wellbeing"
    assert "Wren Writer submitted “Hostel wellbeing” for review." in message.body
    assert change_url(post) in message.body
    html = message.alternatives[0].content
    assert change_url(post) in html and "Open the post" in html

    mail.outbox.clear()
    workflow.send_back(
        post, editor, "Please name the hostel's partner.", base_url="https://hub.example/"
    )
    run_worker()
    [message] = mail.outbox
    assert message.to == ["wren@example.org"]
    assert message.subject == "Changes asked: Hostel wellbeing"
    assert "Please name the hostel's partner." in message.body
    assert f"https://hub.example{change_url(post)}" in message.body
    assert "Please name the hostel&#x27;s partner." in message.alternatives[0].content

    mail.outbox.clear()
    workflow.submit(post, writer)
    workflow.publish(post, editor, published_at=timezone.now() + timedelta(days=2))
    run_worker()
    to_writer = [m for m in mail.outbox if m.to == ["wren@example.org"]]
    assert [m.subject for m in to_writer] == ["Scheduled: Hostel wellbeing"]
    assert "goes live on" in to_writer[0].body
    assert change_url(post) in to_writer[0].body

    # Each step is emailed once, however often the worker runs.
    count = len(mail.outbox)
    from posts.tasks import send_review_emails

    for event in ReviewEvent.objects.all():
        send_review_emails.enqueue(event.pk)
    run_worker()
    assert len(mail.outbox) == count


def test_nobody_is_emailed_about_their_own_step(editor):
    post = make_post("Own", published=False, created_by=editor)
    workflow.publish(post, editor)
    run_worker()
    assert mail.outbox == []
    assert ReviewEvent.objects.get().notified_at is not None


def test_a_title_cannot_inject_headers(writer, editor):
    post = make_post(
        "Hello\r\nBcc: victim@example.org\r\nX-Evil: 1", published=False, created_by=writer
    )
    workflow.submit(post, writer)
    workflow.send_back(post, editor, "Line one\r\nBcc: other@example.org")
    run_worker()
    assert mail.outbox
    for message in mail.outbox:
        parsed = message.message()
        assert parsed["Bcc"] is None and parsed["X-Evil"] is None
        header_lines = parsed.as_string().split("\n\n", 1)[0].splitlines()
        assert not [line for line in header_lines if line.startswith(("Bcc", "X-Evil"))]
        assert parsed["Subject"].endswith("Hello Bcc: victim@example.org X-Evil: 1")
        assert message.recipients() in (["eddie@example.org"], ["wren@example.org"])


def test_a_failed_send_leaves_the_step_due_for_the_worker(writer, editor, settings):
    locmem = settings.MAILERS
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port, "timeout": 2},
        }
    }
    post = make_post("Due", published=False, created_by=writer)
    workflow.submit(post, writer)
    run_worker()
    event = ReviewEvent.objects.get()
    assert event.notified_at is None
    from posts.tasks import recover

    settings.MAILERS = locmem
    assert recover(worker_id="w") == {"review emails": 1}
    run_worker()
    assert [m.to for m in mail.outbox] == [["eddie@example.org"]]


# --- the list and the home panel --------------------------------------------------------------


def test_the_list_filters_by_every_state_and_mine(client, writer, other_writer, editor):
    draft = make_post("A draft", published=False, created_by=writer)
    waiting = make_post(
        "A waiting one", published=False, status=Status.IN_REVIEW, created_by=other_writer
    )
    scheduled = make_post("A scheduled one", published_at=timezone.now() + timedelta(days=1))
    live = make_post("A live one", created_by=writer)
    client = as_user(client, writer)

    def listed(query):
        response = client.get(f"{CHANGELIST}?{query}")
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    assert listed("state=draft") == {draft}
    assert listed("state=in_review") == {waiting}
    assert listed("state=scheduled") == {scheduled}
    assert listed("state=live") == {live}
    assert listed("mine=1") == {draft, live}
    assert listed("mine=1&state=live") == {live}
    page = client.get(CHANGELIST).content.decode()
    for label in ["Draft", "In review", "Scheduled", "Published (live)", "Mine"]:
        assert f">{label}</a>" in page


def test_the_home_panel_shows_waiting_and_scheduled_posts_in_bounded_queries(
    client, writer, editor
):
    for n in range(7):
        submitted(writer, f"Waiting {n}")
    soon = timezone.now() + timedelta(hours=3)
    for n in range(7):
        make_post(f"Scheduled {n}", published_at=soon + timedelta(days=n))
    client = as_user(client, editor)
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("admin:index")).content.decode()
    assert "Waiting for review" in page and "Scheduled next" in page
    assert "Waiting 0" in page and "Waiting 4" in page and "Waiting 5" not in page
    assert "submitted by Wren Writer" in page
    assert "All 7 posts in review" in page and f"{CHANGELIST}?state=in_review" in page
    assert "Scheduled 0" in page and "Scheduled 5" not in page
    assert "All 7 scheduled posts" in page

    for n in range(7, 20):
        submitted(writer, f"Waiting {n}")
        make_post(f"Scheduled {n}", published_at=soon + timedelta(days=n))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("admin:index"))
    assert len(many) == len(few)


def test_the_home_panel_is_hidden_from_staff_who_cannot_see_posts(client, django_user_model):
    member(django_user_model, "subs", "Newsletter managers")
    client.force_login(django_user_model.objects.get(username="subs"))
    page = client.get(reverse("admin:index")).content.decode()
    assert "Waiting for review" not in page


def test_changing_a_live_posts_date_needs_the_publish_permission(client, django_user_model, writer):
    """Staff who may edit any post but not publish cannot reschedule or unpublish one."""
    from django.contrib.auth.models import Permission

    fixer = django_user_model.objects.create_user("fixer", "fixer@example.org", is_staff=True)
    fixer.user_permissions.set(
        Permission.objects.filter(codename__in=["view_post", "change_post", "change_any_post"])
    )
    post = make_post("Live", created_by=writer)
    before = snapshot(post)
    client = as_user(client, fixer)
    date, time = local_parts(timezone.now() + timedelta(days=9))
    response = client.post(
        change_url(post), form_data(post, published_at_0=date, published_at_1=time)
    )
    assert response.status_code == 200
    assert "permission to publish" in str(form_errors(response)["published_at"])
    response = client.post(change_url(post), form_data(post, status="draft"))
    assert "permission to unpublish" in str(form_errors(response)["status"])
    assert snapshot(post) == before
    # A live post's text is locked (its edits go through a working draft, posts.drafts):
    # a save that leaves the date and status alone changes nothing and takes no step.
    response = client.post(change_url(post), form_data(post, title="Live, corrected"))
    assert response.status_code == 302
    assert snapshot(post) == before and post.title == "Live"
    assert not post.review_events.exists()


# --- working drafts of live posts (posts.drafts) ----------------------------------------


def test_publishing_a_working_draft_through_the_workflow_updates_the_live_post(writer, editor):
    from posts import drafts

    live = make_post("Live text", created_by=writer)
    draft = drafts.start_working_draft(live, editor)
    draft.title = "Corrected text"
    draft.save()
    workflow.submit(draft, editor)
    # Someone who may not publish is refused, and nothing public changes.
    with pytest.raises(workflow.TransitionRefused):
        workflow.publish(draft, writer)
    live.refresh_from_db()
    assert live.title == "Live text"

    event = workflow.publish(draft, editor)
    live.refresh_from_db()
    assert live.title == "Corrected text" and live.is_published
    assert not Post._base_manager.filter(draft_of=live).exists()
    assert (event.post_id, event.to_status) == (live.pk, Post.Status.PUBLISHED)
    assert Post.objects.published().filter(title="Corrected text").count() == 1
