"""Composing and sending a newsletter issue: topics, admin pages, the email, batches."""

import email
import re
import time
from datetime import timedelta
from email import policy

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from people import digest, sending, tokens
from people.admin import NewsletterIssueForm
from people.models import Delivery, Interest, NewsletterIssue, Subscriber
from tests.factories import make_post, make_topic
from tests.people.helpers import run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _unpaced(settings):
    settings.NEWSLETTER_SEND_PER_MINUTE = 0
    settings.SITE_URL = "https://hub.example.org"


def subscriber(address, *topics, status=Subscriber.Status.ACTIVE):
    person = Subscriber.objects.create(
        email=address, status=status, consented_at=timezone.now(), consent_version=1
    )
    Interest.objects.bulk_create(Interest(subscriber=person, topic_slug=t.slug) for t in topics)
    return person


def issue_of(*posts, subject="Learning this month", introduction="<p>Hello &amp; welcome.</p>"):
    issue = NewsletterIssue.objects.create(
        subject=subject, slug=slugify(subject), introduction=introduction
    )
    digest.set_posts(issue, [post.pk for post in posts])
    return issue


def send(issue):
    count = sending.start(issue)
    run_worker()
    return count


def received():
    """{address: [the titles in their email]} from the test outbox."""
    titles = {}
    for message in mail.outbox:
        found = re.findall(r"^(Post about [^\n]+)$", message.body, re.MULTILINE)
        titles.setdefault(message.to[0], []).append(found)
    return titles


@pytest.fixture
def topics():
    return make_topic("Housing"), make_topic("Trauma")


@pytest.fixture
def manager(client, django_user_model):
    user = django_user_model.objects.create_user("nia", "nia@example.org", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Newsletter managers"))
    client.force_login(user)
    return client


@pytest.fixture
def editor(client, django_user_model):
    """Staff who may do everything with posts and may view subscribers, but not send."""
    user = django_user_model.objects.create_user("ed", "ed@example.org", "pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="posts"),
        Permission.objects.get(codename="view_newsletterissue"),
    )
    client.force_login(user)
    return client


def test_each_subscriber_gets_the_posts_of_their_topics_and_no_match_gets_nothing(topics):
    housing, trauma = topics
    other = make_topic("Data")
    on_housing = make_post("Post about housing", topics=[housing])
    on_both = make_post("Post about both", topics=[housing, trauma])
    subscriber("all@example.org")
    subscriber("housing@example.org", housing)
    subscriber("trauma@example.org", trauma)
    subscriber("data@example.org", other)
    subscriber("left@example.org", status=Subscriber.Status.UNSUBSCRIBED)
    subscriber("pending@example.org", status=Subscriber.Status.PENDING)
    issue = issue_of(on_housing, on_both)

    assert digest.recipients(issue).count() == 3
    assert send(issue) == 3

    assert received() == {
        "all@example.org": [["Post about both", "Post about housing"]],
        "housing@example.org": [["Post about both", "Post about housing"]],
        "trauma@example.org": [["Post about both"]],
    }
    issue.refresh_from_db()
    assert issue.status == NewsletterIssue.Status.SENT
    assert sending.progress(issue)["sent"] == 3


def test_an_issue_starts_with_the_posts_published_since_the_last_one_went_out(manager):
    old = make_post("Old post", published_at=timezone.now() - timedelta(days=30))
    earlier = issue_of(old, subject="Earlier")
    NewsletterIssue.objects.filter(pk=earlier.pk).update(
        status=NewsletterIssue.Status.SENT, started_at=timezone.now() - timedelta(days=10)
    )
    new = make_post("New post", published_at=timezone.now() - timedelta(days=2))
    make_post("Draft post", published=False)

    page = manager.get(reverse("admin:people_newsletterissue_add"))
    form = page.context["adminform"].form
    assert form.fields["posts"].initial == [new.pk]
    assert {label for _, label in form.fields["posts"].choices} >= {
        f"New post ({new.published_at:%d %b %Y})",
        f"Old post ({old.published_at:%d %b %Y})",
    }
    assert "Draft post" not in page.content.decode()

    response = manager.post(
        reverse("admin:people_newsletterissue_add"),
        {
            "subject": "November",
            "slug": "november",
            "introduction": "<p>Hi<script>alert(1)</script></p>",
            "posts": [str(new.pk), str(old.pk)],
        },
    )
    assert response.status_code == 302
    issue = NewsletterIssue.objects.get(slug="november")
    assert issue.introduction == "<p>Hi</p>"
    assert [i.title for i in issue.items.all()] == ["New post", "Old post"]
    assert issue.items.first().path == new.get_absolute_url()


def test_the_introduction_is_sanitised_however_it_is_saved():
    issue = issue_of(introduction='<p onclick="x()">Hi<img src=x onerror=alert(1)></p>')
    assert issue.introduction == "<p>Hi</p>"


def test_the_subject_is_one_line(manager):
    response = manager.post(
        reverse("admin:people_newsletterissue_add"),
        {"subject": "Hi\r\nBcc: everyone@example.org", "slug": "hi", "posts": []},
    )
    assert response.status_code == 200
    assert "The subject must be one line of text." in response.content.decode()
    assert not NewsletterIssue.objects.exists()


def test_the_manager_sees_the_count_and_what_a_given_subscriber_would_get(manager, topics):
    housing, trauma = topics
    issue = issue_of(make_post("Post about housing", topics=[housing]))
    subscriber("housing@example.org", housing)
    subscriber("trauma@example.org", trauma)
    change = reverse("admin:people_newsletterissue_change", args=[issue.pk])

    page = manager.get(change).content.decode()
    assert "<strong>1</strong> subscriber would get this issue" in page

    page = manager.get(change, {"subscriber": "HOUSING@example.org"}).content.decode()
    assert "would get 1 post:" in page and "<li>Post about housing</li>" in page
    page = manager.get(change, {"subscriber": "trauma@example.org"}).content.decode()
    assert "they would get no email" in page
    page = manager.get(change, {"subscriber": "nobody@example.org"}).content.decode()
    assert "No subscriber has the address nobody@example.org." in page


def test_preview_shows_the_email_under_a_policy_allowing_only_its_inline_styles(manager, topics):
    housing, trauma = topics
    issue = issue_of(
        make_post("Post about housing", topics=[housing]),
        make_post("Post about trauma", topics=[trauma]),
    )
    subscriber("trauma@example.org", trauma)
    url = reverse("admin:people_issue_preview", args=[issue.pk])

    response = manager.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Post about housing" in body and "Post about trauma" in body
    policy_header = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy_header and "script-src" not in policy_header
    assert "sandbox" in policy_header

    theirs = manager.get(url, {"subscriber": "trauma@example.org"}).content.decode()
    assert "Post about trauma" in theirs and "Post about housing" not in theirs
    # Their topics are shown, but not their working links: staff who may preview must not
    # be able to change that person's topics or unsubscribe them from here.
    links = {
        purpose: re.findall(rf'href="[^"]*/newsletter/{path}/([^/"]+)/"', theirs)
        for purpose, path in ((tokens.UNSUBSCRIBE, "unsubscribe"), (tokens.ISSUE_MANAGE, "manage"))
    }
    assert links[tokens.UNSUBSCRIBE] and links[tokens.ISSUE_MANAGE]
    assert {tokens.read(p, t) for p, found in links.items() for t in found} == {0}


def test_send_a_test_to_me_sends_one_copy_to_the_manager_and_no_one_else(manager, topics):
    issue = issue_of(make_post("Post about housing", topics=[topics[0]]))
    subscriber("reader@example.org")

    response = manager.post(reverse("admin:people_issue_test", args=[issue.pk]))
    assert response.status_code == 302
    run_worker()

    assert [m.to for m in mail.outbox] == [["nia@example.org"]]
    assert mail.outbox[0].subject == "[Test] Learning this month"
    issue.refresh_from_db()
    assert issue.status == NewsletterIssue.Status.DRAFT and not issue.deliveries.exists()


def test_only_newsletter_managers_may_send_preview_needs_view(editor, client, topics):
    issue = issue_of(make_post("Post about housing", topics=[topics[0]]))
    subscriber("reader@example.org")
    for name in ["people_issue_test", "people_issue_start", "people_issue_pause"]:
        assert editor.post(reverse(f"admin:{name}", args=[issue.pk])).status_code == 403
    # Viewing an issue is not viewing subscribers: asking about one is refused.
    preview = reverse("admin:people_issue_preview", args=[issue.pk])
    assert editor.get(preview).status_code == 200
    assert editor.get(preview, {"subscriber": "reader@example.org"}).status_code == 403
    client.logout()
    assert client.get(preview).status_code == 302  # to the sign-in page
    run_worker()
    assert mail.outbox == []
    assert NewsletterIssue.objects.get().status == NewsletterIssue.Status.DRAFT


def test_sending_buttons_need_post(manager, topics):
    issue = issue_of(make_post("Post about housing", topics=[topics[0]]))
    assert manager.get(reverse("admin:people_issue_start", args=[issue.pk])).status_code == 405


def test_start_pause_resume_from_the_admin_and_progress_is_shown(manager, topics):
    issue = issue_of(make_post("Post about housing", topics=[topics[0]]))
    for n in range(3):
        subscriber(f"reader{n}@example.org")
    change = reverse("admin:people_newsletterissue_change", args=[issue.pk])

    manager.post(reverse("admin:people_issue_start", args=[issue.pk]))
    manager.post(reverse("admin:people_issue_pause", args=[issue.pk]))
    run_worker()
    assert mail.outbox == []
    page = manager.get(change).content.decode()
    assert 'value="0">0 of 3</progress>' in page and "Resume sending" in page

    manager.post(reverse("admin:people_issue_resume", args=[issue.pk]))
    run_worker()
    assert len(mail.outbox) == 3
    page = manager.get(change).content.decode()
    assert 'max="3" value="3"' in page and "<li>Sent: 3</li>" in page
    # A sent issue is a record: it can no longer be edited.
    assert manager.post(change, {"subject": "Changed", "slug": "x"}).status_code == 403


def _parsed(message):
    return email.message_from_bytes(message.message().as_bytes(), policy=policy.default)


def test_the_email_parsed_back_has_both_parts_the_sender_and_one_click_unsubscribe(client, topics):
    from flse_hub.site.models import SiteSettings

    SiteSettings.objects.filter(pk=1).update(
        organisation_name="Fulfilling Lives <South East>",
        postal_address="1 Example Street\nBrighton BN1 1AA",
    )
    housing = topics[0]
    make_post("Other", topics=[topics[1]])
    post = make_post("Post about housing & <b>homes</b>", topics=[housing])
    reader = subscriber("reader@example.org", housing)
    issue = issue_of(
        post, introduction='<p>See <a href="https://example.com/a?b=1&amp;c=2">this</a></p>'
    )
    send(issue)

    [message] = mail.outbox
    parsed = _parsed(message)
    assert parsed["Subject"] == "Learning this month"
    assert parsed["To"] == "reader@example.org"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = re.fullmatch(
        r"<(https://hub\.example\.org/\S+/one-click/)>", parsed["List-Unsubscribe"]
    )
    assert one_click
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert "Post about housing & <b>homes</b>" in text
    assert "Post about housing &amp; &lt;b&gt;homes&lt;/b&gt;" in html
    assert "See this (https://example.com/a?b=1&c=2)" in text
    for part in (text, html):
        assert "1 Example Street" in part and "Brighton BN1 1AA" in part
        assert "chose these topics: Housing." in part
    assert "Fulfilling Lives <South East>" in text and "Fulfilling Lives &lt;South East&gt;" in html
    # No tracking: no images at all, and every link goes straight to where it says.
    assert "<img" not in html
    links = re.findall(r'href="([^"]+)"', html)
    assert links and all(
        link.startswith(("https://hub.example.org/", "https://example.com/")) for link in links
    )
    assert f"https://hub.example.org{post.get_absolute_url()}" in links
    assert any("/newsletter/manage/" in link for link in links)

    # "Change my topics" works from an issue read weeks later (a link asked for lasts 7 days).
    [manage] = [link for link in links if "/newsletter/manage/" in link]
    assert client.get(manage.removeprefix("https://hub.example.org")).status_code == 200
    two_months_ago = signing.b62_encode(int(time.time()) - 60 * 86400)
    old_link = signing.Signer(salt=tokens.ISSUE_MANAGE).sign(f"{reader.pk}:{two_months_ago}")
    response = client.get(reverse("people:newsletter-manage", kwargs={"token": old_link}))
    assert response.status_code == 200 and "Housing" in response.content.decode()
    stale = signing.Signer(salt=tokens.MANAGE).sign(f"{reader.pk}:{two_months_ago}")
    assert client.get(reverse("people:newsletter-manage", args=[stale])).status_code == 410

    path = one_click.group(1).removeprefix("https://hub.example.org")
    response = client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.UNSUBSCRIBED


def test_someone_who_unsubscribes_mid_send_gets_nothing_more(settings, topics):
    settings.NEWSLETTER_BATCH_SIZE = 2
    issue = issue_of(make_post("Post about housing", topics=[topics[0]]))
    readers = [subscriber(f"reader{n}@example.org") for n in range(4)]
    sending.start(issue)
    from people.services import unsubscribe

    unsubscribe(readers[3].pk)
    run_worker()

    assert sorted(m.to[0] for m in mail.outbox) == [r.email for r in readers[:3]]
    assert Delivery.objects.get(subscriber=readers[3]).status == Delivery.Status.SKIPPED


def test_batches_are_one_task_each_and_the_rate_spaces_messages(settings, topics):
    settings.NEWSLETTER_BATCH_SIZE = 2
    settings.NEWSLETTER_SEND_PER_MINUTE = 60 * 40  # 40 a second: 25 ms apart
    issue = issue_of(make_post("Post about housing", topics=[topics[0]]))
    for n in range(5):
        subscriber(f"reader{n}@example.org")
    sending.start(issue)
    issue.refresh_from_db()

    started = timezone.now()
    assert sending.send_batch(issue.pk, issue.batch_token) == "sent 2"
    assert len(mail.outbox) == 2
    # Two in a batch: the second leaves at least 25 ms after the first.
    assert timezone.now() - started >= timedelta(milliseconds=25)
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == [f"reader{n}@example.org" for n in range(5)]
    # A task whose token is no longer the issue's (an old chain) sends nothing.
    assert sending.send_batch(issue.pk, "an-old-token") == "stale"


def test_a_sent_issue_is_a_public_page_in_the_archive_feed_and_sitemap(client, topics):
    import feedparser

    from flse_hub import freshness

    housing = topics[0]
    kept = make_post("Post about housing", topics=[housing])
    withdrawn = make_post("Post about a mistake", topics=[housing])
    subscriber("reader@example.org")
    issue = issue_of(kept, withdrawn, subject="Autumn <news>")
    page = reverse("people:newsletter-issue", kwargs={"slug": issue.slug})
    archive = reverse("people:newsletter-issues")
    feed = reverse("people:newsletter-issues-feed")

    sending.start(issue)
    assert client.get(page).status_code == 404  # sending, not yet sent
    assert "Autumn" not in client.get(archive).content.decode()
    before = freshness.version()
    run_worker()
    assert freshness.version() != before  # public pages change when sending finishes

    listing = client.get(archive).content.decode()
    assert f'<a href="{page}">Autumn &lt;news&gt;</a>' in listing
    shown = client.get(page).content.decode()
    assert "<h1>Autumn &lt;news&gt;</h1>" in shown
    assert "Post about housing" in shown and "Post about a mistake" in shown

    entries = feedparser.parse(client.get(feed).content).entries
    assert [e.title for e in entries] == ["Autumn <news>"]
    assert f"http://testserver{kept.get_absolute_url()}" in entries[0].summary
    index = client.get("/sitemap.xml").content.decode()
    section = reverse("sitemap-section", kwargs={"section": "newsletter"})
    assert f"http://testserver{section}" in index
    assert f"http://testserver{page}" in client.get(section).content.decode()

    # A post withdrawn after the issue went out leaves the public copy of the issue.
    withdrawn.status = withdrawn.Status.DRAFT
    withdrawn.save()
    shown = client.get(page).content.decode()
    assert "Post about housing" in shown and "Post about a mistake" not in shown


def test_the_privacy_notice_says_the_newsletter_has_no_tracking(client):
    from flse_hub.site import demo_pages

    demo_pages.load(force=True)
    page = client.get(reverse("site:page", kwargs={"slug": "privacy"})).content.decode()
    assert "Our newsletter has no tracking" in page


def test_rows_another_worker_holds_are_waited_for_not_polled(settings, topics):
    from django_tasks_db.models import DBTaskResult

    issue = issue_of(make_post("Post about housing", topics=[topics[0]]))
    subscriber("mine@example.org")
    held = subscriber("theirs@example.org")
    sending.start(issue)
    issue.refresh_from_db()
    claimed = timezone.now()
    Delivery.objects.filter(subscriber=held).update(sending_since=claimed, sending_worker="other")

    assert sending.send_batch(issue.pk, issue.batch_token) == "sent 1, waiting"
    assert [m.to for m in mail.outbox] == [["mine@example.org"]]
    # The next batch runs when the other worker's claim would lapse, not at once.
    next_batch = DBTaskResult.objects.filter(task_path="people.tasks.send_issue_batch")
    assert next_batch.get().run_after >= claimed + settings.NEWSLETTER_SEND_LEASE


def test_an_issue_started_while_its_form_was_being_saved_is_not_changed_or_undone(topics):
    # The admin refuses a POST for an issue that is no longer a draft (403, above); this is
    # the moment after that check: the form, loaded as a draft, finds the row started.
    issue = issue_of(make_post("Post about housing", topics=[topics[0]]))
    subscriber("reader@example.org")
    loaded = NewsletterIssue.objects.get(pk=issue.pk)  # as the admin read it, a draft
    form = NewsletterIssueForm(
        instance=loaded, data={"subject": "Changed", "slug": issue.slug, "posts": []}
    )
    assert sending.start(issue) == 1
    assert not form.is_valid()
    assert "has been started since you opened it" in str(form.non_field_errors())
    issue.refresh_from_db()
    assert (issue.status, issue.subject) == (NewsletterIssue.Status.SENDING, "Learning this month")
