"""One "public content changed at" value: every public write moves Last-Modified, nothing else.

HTTP dates count whole seconds, so each test first puts the last change an hour
in the past (`content_an_hour_old`): a write then moves Last-Modified for sure.
"""

import ast
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date, parse_http_date

from flse_hub import freshness
from flse_hub.site.models import ContentVersion, Page
from posts.models import Credit, Post, Resource, Topic
from tests.factories import make_person, make_post, make_topic

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent


def content_an_hour_old():
    ContentVersion.objects.filter(pk=1).update(changed_at=timezone.now() - timedelta(hours=1))


@pytest.fixture
def site():
    """Two published posts (a day and two days old) with a named author and a topic."""
    author = make_person("Alan Author")
    topic = make_topic("Housing")
    older = make_post("Older post", authors=[author], topics=[topic])
    Post.objects.filter(pk=older.pk).update(published_at=timezone.now() - timedelta(days=2))
    newer = make_post("Newer post", authors=[author], topics=[topic])
    bystander = make_person("Never credited")
    content_an_hour_old()
    return {
        "author": author, "topic": topic, "older": older, "newer": newer, "bystander": bystander
    }  # fmt: skip


def urls(site):
    return [
        reverse("posts:home"),
        reverse("posts:list"),
        site["newer"].get_absolute_url(),
        site["topic"].get_absolute_url(),
        reverse("posts:feed-atom"),
        reverse("posts:feed-rss"),
        reverse("posts:topic-feed-atom", kwargs={"slug": site["topic"].slug}),
        reverse("posts:person-feed-rss", kwargs={"slug": site["author"].slug}),
        reverse("sitemap"),
    ]


def last_modified(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response["Last-Modified"]


def test_deleting_a_post_stops_304s_for_its_page_and_the_feeds(client, site):
    older = site["older"].get_absolute_url()
    pages = [older, *urls(site)]
    before = {url: last_modified(client, url) for url in pages}
    assert all(
        client.get(url, HTTP_IF_MODIFIED_SINCE=before[url]).status_code == 304 for url in pages
    )

    # The older post: the feeds' newest entry, their own idea of Last-Modified, stays put.
    site["older"].delete()

    assert client.get(older, HTTP_IF_MODIFIED_SINCE=before[older]).status_code == 404
    for url in urls(site):
        response = client.get(url, HTTP_IF_MODIFIED_SINCE=before[url])
        assert response.status_code == 200, url
        assert parse_http_date(response["Last-Modified"]) > parse_http_date(before[url]), url
        assert "Older post" not in response.content.decode(), url


def edit_topic(site):
    site["topic"].description = "Homes, tenancies and the people who help."
    site["topic"].save()


def delete_topic(site):
    site["topic"].delete()


def edit_person(site):
    site["author"].job_title = "Head of Learning"
    site["author"].save()


def delete_person(site):
    site["bystander"].delete()


def edit_credit(site):
    credit = Credit.objects.get(post=site["newer"])
    credit.anonymous = True
    credit.save()


def add_resource(site):
    Resource.objects.create(post=site["newer"], title="Toolkit", url="https://example.org/t")


def untag_post(site):
    site["newer"].topics.remove(site["topic"])


def unpublish_post(site):
    site["newer"].status = Post.Status.DRAFT
    site["newer"].save()


def edit_privacy_notice(site):
    notice = Page.objects.get(slug="privacy")
    notice.body = "<p>We keep your address to send the newsletter.</p>"
    notice.save()


def publish_page(site):
    Page.objects.create(title="About", slug="about", status=Page.Status.PUBLISHED)


def delete_page(site):
    Page.objects.get(slug="privacy").delete()


@pytest.mark.parametrize(
    "write",
    [
        edit_topic,
        delete_topic,
        edit_person,
        delete_person,
        edit_credit,
        add_resource,
        untag_post,
        unpublish_post,
        edit_privacy_notice,
        publish_page,
        delete_page,
    ],
)
def test_every_public_write_moves_last_modified(client, site, write):
    url = reverse("posts:list")
    before = last_modified(client, url)
    write(site)
    response = client.get(url, HTTP_IF_MODIFIED_SINCE=before)
    assert response.status_code == 200
    assert parse_http_date(response["Last-Modified"]) > parse_http_date(before)


def test_adding_a_topic_to_a_post_alone_bumps_the_version(site):
    employment = make_topic("Employment")
    content_an_hour_old()
    site["newer"].topics.add(employment)
    assert freshness.changed_at() > timezone.now() - timedelta(minutes=1)


def test_the_admins_bulk_delete_moves_last_modified(staff_client, site):
    # "Delete selected" deletes with a queryset, not instance by instance.
    reader = Client()
    url = reverse("posts:list")
    before = last_modified(reader, url)
    staff_client.post(
        reverse("admin:posts_topic_changelist"),
        {"action": "delete_selected", "_selected_action": [site["topic"].pk], "post": "yes"},
    )
    assert not Topic.objects.exists()
    assert reader.get(url, HTTP_IF_MODIFIED_SINCE=before).status_code == 200


def test_a_rolled_back_write_leaves_the_version_alone(site):
    before = ContentVersion.objects.get()
    with pytest.raises(RuntimeError), transaction.atomic():
        edit_topic(site)
        raise RuntimeError("the admin's save failed")
    assert ContentVersion.objects.get().number == before.number


def test_writes_the_public_never_sees_leave_the_version_alone(client, site):
    before = ContentVersion.objects.get()
    client.post(
        reverse("people:newsletter"),
        {"email": "reader@example.org", "consent_version": 1, "source": "/", "website": ""},
    )
    assert ContentVersion.objects.get().number == before.number


@pytest.mark.parametrize("view", ["posts:home", "posts:list", "posts:feed-atom", "sitemap"])
def test_an_if_modified_since_in_the_future_is_ignored(client, site, view):
    url = reverse(view)
    current = last_modified(client, url)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=current).status_code == 304
    tomorrow = http_date((timezone.now() + timedelta(days=1)).timestamp())
    response = client.get(url, HTTP_IF_MODIFIED_SINCE=tomorrow)
    assert response.status_code == 200
    assert response.content


@pytest.fixture
def clock(monkeypatch):
    """Move the site's clock on: `clock.move(hours=2)`."""

    class Clock:
        def __init__(self):
            self.offset = timedelta()
            real_now = timezone.now
            monkeypatch.setattr(timezone, "now", lambda: real_now() + self.offset)

        def move(self, **delta):
            self.offset += timedelta(**delta)

    return Clock()


def test_a_scheduled_post_arriving_moves_last_modified_with_no_write(client, site, clock):
    scheduled = make_post("Scheduled post", published_at=timezone.now() + timedelta(hours=2))
    url = reverse("posts:list")
    before = last_modified(client, url)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=before).status_code == 304

    clock.move(hours=2, seconds=1)

    response = client.get(url, HTTP_IF_MODIFIED_SINCE=before)
    assert response.status_code == 200
    assert scheduled.title in response.content.decode()
    assert response["Last-Modified"] == http_date(scheduled.published_at.timestamp())


def test_last_modified_is_one_query_and_never_in_the_future(site):
    ContentVersion.objects.update(changed_at=timezone.now() + timedelta(hours=1))
    with CaptureQueriesContext(connection) as queries:
        value = freshness.last_modified()
    assert len(queries) == 1
    assert value <= timezone.now()


def test_migrate_moves_the_version_as_a_deploy_may_change_every_page(site):
    before = ContentVersion.objects.get()
    call_command("migrate", verbosity=0)
    after = ContentVersion.objects.get()
    assert after.number == before.number + 1
    assert after.changed_at > before.changed_at


def database_url():
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = f"{quote(db['USER'])}:{quote(db['PASSWORD'])}@" if db["USER"] else ""
    return f"postgres://{user}{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


# A server process that reads robots.txt's Last-Modified and ETag (no static files needed)
# with its clock `argv[1]` hours ahead: as if it had been started that much later.
SERVER = """
import datetime, sys
from django.utils import timezone
real_now = timezone.now
timezone.now = lambda: real_now() + datetime.timedelta(hours=int(sys.argv[1]))
import django
django.setup()
from django.test import Client
response = Client().get("/robots.txt", HTTP_HOST="127.0.0.1", secure=True)
print(response.status_code, response["Last-Modified"], response["ETag"])
"""


def test_two_server_processes_send_the_same_last_modified_and_etag(tmp_path):
    # They read the database as migrate left it: this test's own writes are uncommitted.
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "flse_hub.settings",
        "DATABASE_URL": database_url(),
        "FLSE_VAR_DIR": str(tmp_path),
    }
    answers = [
        subprocess.run(
            [sys.executable, "-c", SERVER, str(hours)],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        for hours in (0, 3)
    ]
    for answer in answers:
        assert answer.returncode == 0, answer.stderr
    first, later = (answer.stdout.strip().splitlines()[-1] for answer in answers)
    assert first.startswith("200 ")
    assert first == later


INFRASTRUCTURE = [
    "caching.py", "context_processors.py", "freshness.py", "middleware.py", "security.py",
    "views.py", "site",
]  # fmt: skip


def test_infrastructure_in_flse_hub_never_imports_the_apps():
    for name in INFRASTRUCTURE:
        path = BASE_DIR / "flse_hub" / name
        for module in [path] if path.is_file() else path.rglob("*.py"):
            tree = ast.parse(module.read_text())
            imported = {
                alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names
            } | {
                node.module for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module
            }  # fmt: skip
            assert not {m for m in imported if m.split(".")[0] in {"posts", "people"}}, module


def test_a_reindex_that_changes_no_document_leaves_the_version_alone(site):
    from posts.search.indexing import index_pending_posts, reindex_post

    before = ContentVersion.objects.get()
    assert reindex_post(site["newer"].pk) is False
    assert index_pending_posts() == 0
    assert ContentVersion.objects.get().number == before.number


def test_a_rolled_back_reindex_leaves_the_version_alone(site):
    from posts.search.indexing import reindex_post

    Post.objects.filter(pk=site["newer"].pk).update(title="Renamed behind the index")
    before = ContentVersion.objects.get()
    with pytest.raises(RuntimeError), transaction.atomic():
        assert reindex_post(site["newer"].pk) is True
        assert ContentVersion.objects.get().number == before.number + 1
        raise RuntimeError("the worker's transaction failed")
    assert ContentVersion.objects.get().number == before.number
