"""Preview links for people without an account, and the contributor's answer."""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posts.models import Credit, Resource
from posts.previews import content, services
from posts.previews.models import MESSAGE_MAX_LENGTH, ContributorResponse, PreviewLink
from tests.factories import make_person, make_post, make_topic
from tests.people.helpers import run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user(
        "editor", "editor@example.org", is_staff=True, is_superuser=True
    )


@pytest.fixture
def draft():
    author = make_person("Dana Writer")
    post = make_post(
        "Working with housing partners",
        published=False,
        authors=[
            (author, {"role_title": "Peer Researcher"}),
            (make_person("Secret Contributor"), {"anonymous": True, "public_label": "A peer"}),
        ],
        topics=[make_topic("Housing")],
        body="<p>What we learned from <strong>two years</strong> of partnership.</p>",
    )
    Resource.objects.create(post=post, title="The toolkit", url="https://example.org/kit")
    return post


def make(post, editor=None, **options):
    options.setdefault("recipient", "Sam, contributor")
    return services.make_link(post, by=editor, **options)


def preview_url(token):
    return reverse("posts:preview", kwargs={"token": token})


def page_fingerprint(response):
    return re.search(r'name="agree-fingerprint" value="([0-9a-f]{64})"', response.text)[1]


def agree(client, token, name="Sam Contributor", **extra):
    page = client.get(preview_url(token))
    data = {"action": "agree", "agree-name": name, "agree-fingerprint": page_fingerprint(page)}
    return client.post(preview_url(token), {**data, **extra})


def ask_for_changes(client, token, message="Please cut my second quote.", name=""):
    page = client.get(preview_url(token))
    data = {
        "action": "changes",
        "changes-message": message,
        "changes-name": name,
        "changes-fingerprint": page_fingerprint(page),
    }
    return client.post(preview_url(token), data)


# --- tokens ---------------------------------------------------------------------------


def test_only_a_hash_of_the_token_is_stored(draft, editor):
    link, token = make(draft, editor)
    assert len(token) == services.TOKEN_LENGTH
    assert link.token_hash == services.hash_token(token) != token
    stored = PreviewLink.objects.filter(pk=link.pk).values().get()
    assert all(token not in str(value) for value in stored.values())


def test_tokens_are_unguessable_and_unrelated(draft):
    tokens = [make(draft)[1] for _ in range(50)]
    assert len(set(tokens)) == 50
    # 256 random bits each: no shared prefix beyond chance, every character URL-safe.
    assert all(services.is_well_formed(token) for token in tokens)
    assert max(len(_common_prefix(a, b)) for a in tokens for b in tokens if a != b) < 6


def _common_prefix(a, b):
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def test_the_link_opens_the_post_and_a_near_miss_does_not(client, draft):
    _link, token = make(draft)
    assert client.get(preview_url(token)).status_code == 200
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (flipped, token[:-1], token + "x", "x" * 43, "not-a-token"):
        response = client.get(preview_url(bad))
        assert response.status_code == 404, bad
        assert draft.title not in response.text
        assert "This preview link does not work" in response.text


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(min_size=1, max_size=80).filter(lambda t: "/" not in t and "\x00" not in t))
def test_any_other_token_is_a_plain_404(client, draft, token):
    cache.clear()  # the rate limit counts every example
    path = reverse("posts:preview", kwargs={"token": "placeholder"}).removesuffix("placeholder/")
    response = client.get(path + quote(token, safe="") + "/")
    assert response.status_code == 404
    assert draft.title not in response.text
    assert "no-store" in response["Cache-Control"]


def test_days_outside_the_allowed_range_are_refused(draft):
    for days in (0, 31, -1):
        with pytest.raises(ValueError, match="1 to 30 days"):
            make(draft, days=days)
    link, _token = make(draft)
    assert link.expires_at - link.created_at == timedelta(days=7)


# --- the page -------------------------------------------------------------------------


def test_the_page_shows_the_post_as_readers_will_with_a_banner(client, draft):
    _link, token = make(draft)
    response = client.get(preview_url(token))
    text = response.text
    assert response.status_code == 200
    assert "Preview for Sam, contributor — not published" in text
    assert "<h1>Working with housing partners</h1>" in text
    assert "<strong>two years</strong>" in text
    assert "Dana Writer" in text and "Peer Researcher" in text
    assert "A peer" in text and "Secret Contributor" not in text
    assert "The toolkit" in text and "Housing" in text
    # The staff banner is for staff; the newsletter box and citation are for readers.
    assert "this post is a draft and is not public" not in text
    assert "Cite this" not in text
    assert 'rel="canonical"' not in text and "og:url" not in text


def test_the_page_is_private_unindexed_and_keeps_its_address_to_itself(client, draft):
    _link, token = make(draft)
    response = client.get(preview_url(token))
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in response.text
    cache_control = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control and "public" not in cache_control
    assert "Last-Modified" not in response and "ETag" not in response
    assert response["Referrer-Policy"] == "same-origin"
    # A conditional request gets the page again, never a 304 against a public copy.
    again = client.get(preview_url(token), HTTP_IF_MODIFIED_SINCE="Wed, 01 Jan 2099 00:00:00 GMT")
    assert again.status_code == 200


@pytest.mark.parametrize("status", ["expired", "revoked", "changed", "unknown"])
def test_dead_links_are_private_too(client, draft, status):
    link, token = make(draft, dies_on_change=True)
    kill(link, draft, status)
    if status == "unknown":
        token = "A" * 43
    response = client.get(preview_url(token))
    assert response.status_code == (404 if status == "unknown" else 410)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "Last-Modified" not in response and "ETag" not in response
    for secret in (draft.title, "two years", "Dana Writer", "Sam, contributor"):
        assert secret not in response.text


def kill(link, post, how):
    if how == "expired":
        # Time frozen by the row, not by sleeping: the link ran out a second ago.
        PreviewLink.objects.filter(pk=link.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    elif how == "revoked":
        services.revoke_link(link)
    elif how == "changed":
        post.standfirst = "A new summary."
        post.save()


def test_a_link_expires_at_its_time(client, draft):
    link, token = make(draft, days=1)
    PreviewLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() + timedelta(minutes=1))
    assert client.get(preview_url(token)).status_code == 200
    link.refresh_from_db()
    assert link.state(now=link.expires_at - timedelta(seconds=1)) == PreviewLink.State.ACTIVE
    assert link.state(now=link.expires_at) == PreviewLink.State.EXPIRED
    kill(link, draft, "expired")
    response = client.get(preview_url(token))
    assert response.status_code == 410
    assert "run out" in response.text


def test_a_revoked_link_stops_at_once_and_keeps_its_first_revocation(client, draft, editor):
    link, token = make(draft)
    services.revoke_link(link, by=editor)
    first = link.revoked_at
    services.revoke_link(link)
    assert link.revoked_at == first and link.revoked_by == editor
    response = client.get(preview_url(token))
    assert response.status_code == 410
    assert "turned it off" in response.text


@pytest.mark.parametrize(
    "change",
    [
        lambda post: setattr(post, "title", "A new title") or post.save(),
        lambda post: setattr(post, "body", "<p>Rewritten.</p>") or post.save(),
        lambda post: post.credits.filter(anonymous=False).update(role_title="Director"),
        lambda post: Resource.objects.create(post=post, title="More", url="https://example.org/"),
        lambda post: post.topics.add(make_topic("Health")),
    ],
    ids=["title", "body", "credit", "resource", "topic"],
)
def test_a_link_that_dies_on_change_dies_when_what_readers_see_changes(client, draft, change):
    _dying, dying_token = make(draft, dies_on_change=True)
    _lasting, lasting_token = make(draft)
    change(draft)
    assert client.get(preview_url(dying_token)).status_code == 410
    assert client.get(preview_url(lasting_token)).status_code == 200


def test_saving_without_changing_what_readers_see_keeps_the_link(client, draft):
    _link, token = make(draft, dies_on_change=True)
    draft.featured = True  # not on the page
    draft.save()
    assert client.get(preview_url(token)).status_code == 200


def test_a_deleted_post_takes_its_links_with_it(client, draft):
    _link, token = make(draft)
    draft.delete()
    response = client.get(preview_url(token))
    assert response.status_code == 404
    assert "Working with housing partners" not in response.text


def test_lookups_are_rate_limited_per_client(client, draft, settings):
    settings.PREVIEW_RATE_PER_CLIENT = (3, 600)
    _link, token = make(draft)
    for _ in range(3):
        assert client.get(preview_url(token)).status_code == 200
    response = client.get(preview_url(token))
    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    assert draft.title not in response.text
    other = client.get(preview_url(token), REMOTE_ADDR="192.0.2.99")
    assert other.status_code == 200


# --- never public ---------------------------------------------------------------------


def test_a_previewed_draft_is_in_no_public_listing(client, draft):
    _link, token = make(draft)
    agree(client, token)
    for name, kwargs in [
        ("posts:home", {}),
        ("posts:list", {}),
        ("posts:feed-atom", {}),
        ("posts:feed-rss", {}),
        ("posts:topic", {"slug": "housing"}),
        ("sitemap", {}),
    ]:
        text = client.get(reverse(name, kwargs=kwargs)).content.decode()
        assert draft.title not in text, name
        assert "/preview/" not in text, name
    search = client.get(reverse("posts:search"), {"q": "housing partners"})
    assert draft.title not in search.content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_the_contributors_name_and_message_never_reach_a_public_page(client, draft):
    draft.status = draft.Status.PUBLISHED
    draft.save()
    _link, token = make(draft)
    agree(client, token, name="Samantha Q. Private")
    ask_for_changes(client, token, message="Private remark 7731", name="Samantha Q. Private")
    for url in (
        draft.get_absolute_url(),
        reverse("posts:feed-atom"),
        reverse("posts:list"),
        preview_url(token),
    ):
        text = client.get(url).content.decode()
        assert draft.title in text, url
        assert "Samantha Q. Private" not in text and "7731" not in text, url


# --- answers --------------------------------------------------------------------------


def test_agreeing_stores_the_exact_version_seen(client, draft):
    link, token = make(draft)
    response = agree(client, token, name="  Sam Contributor ")
    assert response.status_code == 302
    assert response["Location"] == f"{preview_url(token)}?answered=agreed"
    answer = ContributorResponse.objects.get()
    assert (answer.link, answer.post, answer.kind) == (link, draft, "agreed")
    assert answer.name == "Sam Contributor"
    assert answer.snapshot["title"] == "Working with housing partners"
    assert answer.snapshot["body"] == draft.body
    assert answer.snapshot["topics"] == ["Housing"]
    assert [c["name"] for c in answer.snapshot["credits"]] == ["Dana Writer", "A peer"]
    assert answer.snapshot["credits"][1]["role_title"] == ""
    assert answer.snapshot["resources"][0]["link"] == "https://example.org/kit"
    assert "Secret Contributor" not in str(answer.snapshot)
    assert answer.fingerprint == content.fingerprint(answer.snapshot)
    assert answer.fingerprint == content.current_fingerprint(draft)
    thanks = client.get(response["Location"])
    assert "We have recorded that you agree" in thanks.text


def test_asking_for_changes_stores_the_message_and_the_version(client, draft):
    response = ask_for_changes(client, make(draft)[1], message="Cut the last line.", name="Sam")
    assert response.status_code == 302
    answer = ContributorResponse.objects.get()
    assert (answer.kind, answer.message, answer.name) == ("changes", "Cut the last line.", "Sam")
    assert answer.fingerprint == content.current_fingerprint(draft)


def test_an_answer_about_a_version_that_has_since_changed_is_refused_and_kept(client, draft):
    _link, token = make(draft)
    page = client.get(preview_url(token))
    draft.title = "Retitled while they read"
    draft.save()
    response = client.post(
        preview_url(token),
        {"action": "agree", "agree-name": "Sam", "agree-fingerprint": page_fingerprint(page)},
    )
    assert response.status_code == 409
    assert "The post changed while you were reading it" in response.text
    assert "Retitled while they read" in response.text
    assert 'value="Sam"' in response.text  # nothing lost
    assert page_fingerprint(response) == content.current_fingerprint(draft)
    assert not ContributorResponse.objects.exists()


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        ({"action": "agree", "agree-name": ""}, 400, "Type your name to agree"),
        ({"action": "agree", "agree-name": "   "}, 400, "Type your name to agree"),
        ({"action": "agree", "agree-name": "n" * 101}, 400, "100 characters or fewer"),
        ({"action": "changes", "changes-message": ""}, 400, "Write what you would like changed"),
        (
            {"action": "changes", "changes-message": "m" * (MESSAGE_MAX_LENGTH + 1)},
            400,
            f"{MESSAGE_MAX_LENGTH} characters or fewer (it has {MESSAGE_MAX_LENGTH + 1})",
        ),
        ({"action": "agree", "agree-name": "Sam", "agree-fingerprint": "x"}, 400, "Reload"),
        ({"action": "delete-everything"}, 400, "The form was not sent properly"),
        ({}, 400, "The form was not sent properly"),
    ],
)
def test_bad_answers_get_clear_errors_and_keep_what_was_typed(client, draft, data, status, error):
    _link, token = make(draft)
    fingerprint = page_fingerprint(client.get(preview_url(token)))
    data = {"agree-fingerprint": fingerprint, "changes-fingerprint": fingerprint, **data}
    response = client.post(preview_url(token), data)
    assert response.status_code == status
    assert error in response.text
    assert not ContributorResponse.objects.exists()
    if data.get("action") == "changes" and data["changes-message"]:
        assert data["changes-message"][:50] in response.text
    if response.status_code == 400 and "There is a problem" in response.text:
        assert response.text.count('role="alert"') >= 1


def test_a_post_without_csrf_token_is_refused(draft):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    _link, token = make(draft)
    page = client.get(preview_url(token))
    data = {"action": "agree", "agree-name": "Sam", "agree-fingerprint": page_fingerprint(page)}
    assert client.post(preview_url(token), data).status_code == 403
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    assert client.post(preview_url(token), {**data, "csrfmiddlewaretoken": csrf}).status_code == 302
    assert ContributorResponse.objects.count() == 1


def test_a_message_sent_as_the_link_dies_is_given_back(client, draft):
    link, token = make(draft)
    fingerprint = page_fingerprint(client.get(preview_url(token)))
    services.revoke_link(link)
    response = client.post(
        preview_url(token),
        {
            "action": "changes",
            "changes-message": "My <b>words</b>",
            "changes-fingerprint": fingerprint,
        },
    )
    assert response.status_code == 410
    assert "My &lt;b&gt;words&lt;/b&gt;" in response.text
    assert draft.title not in response.text


# --- the editors' email ---------------------------------------------------------------


def test_editors_are_emailed_by_the_worker_not_the_request(
    client, draft, editor, django_user_model
):
    from django.contrib.auth.models import Group, Permission

    publisher = django_user_model.objects.create_user("pub", "pub@example.org", is_staff=True)
    # Forward-compatible with the roles' publish permission: whoever holds it hears too.
    permission = Permission.objects.filter(codename="publish_post").first()
    if permission is not None:
        group = Group.objects.create(name="Publishers for the test")
        group.permissions.add(permission)
        publisher.groups.add(group)
    _link, token = make(draft, editor)
    agree(client, token, name="Sam Contributor")
    assert mail.outbox == []
    run_worker()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    expected = {"editor@example.org"} | ({"pub@example.org"} if permission else set())
    assert set(message.to) == expected
    assert message.subject == "Sam, contributor agreed to “Working with housing partners”"
    assert "Name they typed: Sam Contributor" in message.body
    assert reverse("admin:posts_post_change", args=[draft.pk]) in message.body
    assert ContributorResponse.objects.get().notified_at is not None
    run_worker()  # nothing is sent twice
    assert len(mail.outbox) == 1


def test_a_changes_request_email_carries_the_message(client, draft, editor):
    _link, token = make(draft, editor)
    ask_for_changes(client, token, message="Please use my initials only.\nThanks")
    run_worker()
    (message,) = mail.outbox
    assert message.subject.startswith("Sam, contributor asked for changes to")
    assert "Please use my initials only.\nThanks" in message.body


def test_an_unsent_email_is_queued_again_on_recovery(client, draft, editor):
    from posts import tasks

    _link, token = make(draft, editor)
    agree(client, token)
    ContributorResponse.objects.update(notified_at=None)
    from django.db import connection

    connection.run_on_commit = []  # as if the process died before the enqueue
    assert tasks.recover("w1") == {"contributor answer emails": 1}
    run_worker()
    assert len(mail.outbox) == 1


# --- the warning before publishing ------------------------------------------------------


def test_no_answer_no_warning(draft):
    assert services.agreement_warning(draft) == ""


def test_agreed_version_unchanged_gives_no_warning_and_a_change_does(client, draft):
    _link, token = make(draft)
    agree(client, token)
    assert services.agreement_warning(draft) == ""
    draft.body = "<p>An edit after the agreement.</p>"
    draft.save()
    warning = services.agreement_warning(draft)
    assert "differs from the one Sam, contributor agreed to" in warning


def test_a_later_changes_request_warns(client, draft):
    _link, token = make(draft)
    agree(client, token)
    ask_for_changes(client, token)
    assert "asked for changes" in services.agreement_warning(draft)


def test_anonymous_credit_swap_changes_the_fingerprint_but_not_the_name_shown(draft):
    before = content.current_fingerprint(draft)
    credit = draft.credits.get(anonymous=True)
    credit.person = make_person("Someone Else")
    credit.save()
    # Who is behind an anonymous credit is not what readers see: the version is the same.
    assert content.current_fingerprint(draft) == before
    credit.public_label = "A different peer"
    credit.save()
    assert content.current_fingerprint(draft) != before


def test_the_page_and_snapshot_take_a_fixed_number_of_queries(
    client, draft, django_assert_max_num_queries
):
    for n in range(5):
        Credit.objects.create(post=draft, person=make_person(f"Extra {n}"), order=n + 2)
        Resource.objects.create(post=draft, title=f"R{n}", url="https://example.org/")
    _link, token = make(draft)
    with django_assert_max_num_queries(12):
        assert client.get(preview_url(token)).status_code == 200


# --- the staff preview banner (signed in, no link) -------------------------------------


def test_the_staff_preview_banner_says_draft_or_scheduled(staff_client, draft):
    text = staff_client.get(draft.get_absolute_url()).text
    assert "Preview: this post is a draft and is not public." in text
    when = timezone.now() + timedelta(days=3)
    draft.status, draft.published_at = draft.Status.PUBLISHED, when
    draft.save()
    text = staff_client.get(draft.get_absolute_url()).text
    shown = timezone.localtime(when).strftime("%-d %B %Y, %H:%M")
    assert f"Preview: this post is scheduled for {shown} and is not public yet." in text


def test_a_published_post_previews_as_readers_see_it_without_its_metadata(client, draft):
    draft.status = draft.Status.PUBLISHED
    draft.save()
    _link, token = make(draft)
    text = client.get(preview_url(token)).text
    assert "Preview for Sam, contributor — this post is already published" in text
    assert "Cite this post" in text and "Dana Writer" in text  # as on the public page
    head = text.split("</head>")[0]
    for absent in ('rel="canonical"', "og:url", "citation_title", "application/ld+json"):
        assert absent not in head, absent
