"""The whole-page cache (flse_hub.caching.PageCacheMiddleware): anonymous readers are
answered from it without rendering, and no kind of public change ever leaves a page stale.

A page served from the cache costs exactly one query (the content version) and marks its
request `answered_from_page_cache`.
"""

import json
import subprocess
import sys
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from flse_hub.caching import PageCacheMiddleware, public_page
from flse_hub.site.models import Page, SiteSettings
from posts.models import Post
from tests.factories import make_person, make_post, make_topic
from tests.test_freshness import BASE_DIR, database_url

pytestmark = pytest.mark.django_db


def get(client, url, **headers):
    """(response, number of queries it took)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    return response, len(queries)


def from_cache(response):
    return getattr(response.wsgi_request, "answered_from_page_cache", False)


def served_from_cache(client, url):
    response, queries = get(client, url)
    assert response.status_code == 200, url
    assert queries == 1 or not from_cache(response), url
    return from_cache(response)


@pytest.fixture
def site():
    author = make_person("Alan Author")
    topic = make_topic("Housing")
    post = make_post("Joined up support", authors=[author], topics=[topic])
    return {"author": author, "topic": topic, "post": post}


def public_urls(site):
    return [
        reverse("posts:home"),
        reverse("posts:list"),
        site["post"].get_absolute_url(),
        reverse("posts:topics"),
        site["topic"].get_absolute_url(),
        site["author"].get_absolute_url(),
        reverse("posts:feed-atom"),
        reverse("posts:topic-feed-rss", kwargs={"slug": site["topic"].slug}),
        reverse("sitemap"),
        reverse("sitemap-section", kwargs={"section": "posts"}),
        reverse("site:page", kwargs={"slug": "privacy"}),
    ]


def test_a_second_anonymous_request_is_served_whole_from_the_cache(client, site):
    for url in public_urls(site):
        first = client.get(url)
        second, cached = get(client, url)
        assert first.status_code == second.status_code == 200, url
        assert not from_cache(first) and from_cache(second), url
        assert cached == 1, url
        assert second.content == first.content, url
        for header in ("ETag", "Last-Modified", "Cache-Control", "Content-Type",
                       "Content-Security-Policy", "Permissions-Policy"):  # fmt: skip
            assert second[header] == first[header], (url, header)


def test_revalidation_is_answered_from_the_content_version_without_rendering(client, site):
    url = site["post"].get_absolute_url()
    first = client.get(url)
    assert first["ETag"].startswith('W/"')
    for cache_state in ("kept", "empty"):
        if cache_state == "empty":  # another server, or the page pushed out
            caches["pages"].clear()
        by_etag, queries = get(client, url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert (by_etag.status_code, queries) == (304, 1), cache_state
        assert by_etag["ETag"] == first["ETag"]
        by_date, queries = get(client, url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert (by_date.status_code, queries) == (304, 1), cache_state
    assert client.get(url, HTTP_IF_NONE_MATCH='W/"other"').status_code == 200


def publish_a_post(site):
    make_post("A brand new post", topics=[site["topic"]], authors=[site["author"]])
    return "A brand new post"


def edit_the_post(site):
    site["post"].title = "Joined up support, revised"
    site["post"].save()
    return "Joined up support, revised"


def delete_the_post(site):
    make_post("The one that stays", topics=[site["topic"]], authors=[site["author"]])
    site["post"].delete()
    return "The one that stays"


def rename_the_topic(site):
    site["topic"].name = "Homes and tenancies"
    site["topic"].save()
    return "Homes and tenancies"


def rename_the_person(site):
    site["author"].name = "Alana Author"
    site["author"].save()
    return "Alana Author"


def edit_site_settings(site):
    settings = SiteSettings.objects.get()
    settings.site_name = "Renamed Learning Hub"
    settings.save()
    return "Renamed Learning Hub"


def edit_a_page(site):
    page = Page.objects.get(slug="privacy")
    page.title = "How we look after your data"
    page.save()
    return "How we look after your data"


# The pages each change shows on: one of them must show the new text.
AFFECTED = {
    publish_a_post: ["home", "list", "topic", "person", "feed", "sitemap"],
    edit_the_post: ["home", "list", "post", "topic", "person", "feed"],
    delete_the_post: ["home", "list", "topic", "person", "feed"],
    rename_the_topic: ["home", "list", "post", "topic", "topics"],
    rename_the_person: ["home", "list", "post", "person", "feed"],
    edit_site_settings: ["home", "list", "post", "topic", "person", "page"],
    edit_a_page: ["page"],
}


def named_urls(site):
    return {
        "home": reverse("posts:home"),
        "list": reverse("posts:list"),
        "post": site["post"].get_absolute_url(),
        "topics": reverse("posts:topics"),
        "topic": site["topic"].get_absolute_url(),
        "person": site["author"].get_absolute_url(),
        "feed": reverse("posts:feed-atom"),
        "sitemap": reverse("sitemap-section", kwargs={"section": "posts"}),
        "page": reverse("site:page", kwargs={"slug": "privacy"}),
    }


@pytest.mark.parametrize("change", list(AFFECTED), ids=lambda change: change.__name__)
def test_every_kind_of_change_shows_at_once_on_every_page_it_affects(client, site, change):
    urls = {name: named_urls(site)[name] for name in AFFECTED[change]}
    for url in urls.values():
        client.get(url)
        assert served_from_cache(client, url), url

    new_text = change(site)

    for name, url in urls.items():
        if change is delete_the_post and name == "post":
            continue
        response = client.get(url)
        assert response.status_code == 200, name
        assert not from_cache(response), f"{name} was served from before the change"
        text = response.content.decode()
        if name == "sitemap":
            assert "a-brand-new-post" in text
        else:
            assert new_text in text, name
    if change is delete_the_post:
        assert client.get(site["post"].get_absolute_url()).status_code == 404


def test_a_scheduled_post_appears_when_its_time_comes_with_no_write(client, site, monkeypatch):
    scheduled = make_post("The post for tomorrow", published_at=timezone.now() + timedelta(hours=2))
    url = reverse("posts:list")
    client.get(url)
    assert served_from_cache(client, url)
    assert scheduled.title not in client.get(url).content.decode()

    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(hours=2, seconds=1))

    response = client.get(url)
    assert not from_cache(response)
    assert scheduled.title in response.content.decode()


def test_staff_are_never_served_nor_stored_a_cached_page(client, staff_client_second, site):
    draft = make_post("Not yet", published=False)
    url = reverse("posts:list")
    client.get(url)
    staff = staff_client_second.get(url)
    assert "private" in staff["Cache-Control"]
    # A staff preview of a draft is never kept for readers either.
    assert staff_client_second.get(draft.get_absolute_url()).status_code == 200
    assert client.get(draft.get_absolute_url()).status_code == 404


@pytest.fixture
def staff_client_second(django_user_model):
    from django.test import Client

    user = django_user_model.objects.create_superuser("ed", "ed@example.org", "pw-for-tests")
    staff = Client()
    staff.force_login(user)
    return staff


def test_a_request_with_a_session_or_messages_is_rendered_for_itself(client, settings, site):
    url = reverse("posts:home")
    client.get(url)
    assert served_from_cache(client, url)
    for cookie in (settings.SESSION_COOKIE_NAME, "messages"):
        client.cookies.clear()
        client.cookies[cookie] = "something"
        assert not served_from_cache(client, url), cookie
    client.cookies.clear()
    client.cookies["unrelated"] = "1"
    assert served_from_cache(client, url)


def test_reordered_parameters_are_one_page_and_long_queries_are_not_kept(client, site):
    topic, year = site["topic"].slug, site["post"].published_at.year
    client.get(f"/posts/?topic={topic}&year={year}")
    assert served_from_cache(client, f"/posts/?year={year}&topic={topic}")
    # A repeated name is another page when its values come in another order: the view
    # reads the last one.
    other = make_topic("Employment").slug
    first = client.get(f"/posts/?topic={topic}&topic={other}")
    assert from_cache(client.get(f"/posts/?topic={topic}&topic={other}"))  # kept
    second = client.get(f"/posts/?topic={other}&topic={topic}")
    assert not from_cache(second) and second.content != first.content
    crafted = f"/posts/?topic={topic}&year={year}&utm_source=" + "x" * 300
    client.get(crafted)
    response = client.get(crafted)
    assert response.status_code == 200 and not from_cache(response)


def test_search_results_are_kept_briefly(client, site):
    url = reverse("posts:search") + "?q=joined"
    first = client.get(url)
    assert "Joined up support" in first.content.decode()
    # Any query can be asked: its page is kept a minute, not a day, so they cannot
    # crowd out the pages every reader asks for for long.
    assert first.wsgi_request._page_cache[1] == 60
    assert served_from_cache(client, url)


def keep_decision(view):
    """Whether PageCacheMiddleware kept what `view` (a public page) answered: asked twice,
    the view runs once."""
    caches["pages"].clear()
    calls = []

    def counted(request):
        calls.append(request)
        return view(request)

    middleware = PageCacheMiddleware(public_page(counted))
    for _ in range(2):
        request = RequestFactory().get("/kept-or-not/")
        request.user = AnonymousUser()
        middleware(request)
    return len(calls) == 1


def test_pages_that_turn_out_personal_are_never_kept():
    def plain(request):
        return HttpResponse("the same for everyone")

    def sets_a_cookie(request):
        response = HttpResponse("hello")
        response.set_cookie("tracking", "1")
        return response

    def varies_on_language(request):
        return HttpResponse("bonjour", headers={"Vary": "Accept-Language"})

    def uses_a_csrf_token(request):
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
        return HttpResponse("<form>")

    def not_found(request):
        return HttpResponse("gone", status=404)

    assert keep_decision(plain)
    for view in (sets_a_cookie, varies_on_language, uses_a_csrf_token, not_found):
        assert not keep_decision(view), view.__name__


def test_a_nonce_in_the_csp_header_is_never_kept(settings):
    def with_nonce(request):
        return HttpResponse("<script nonce=x>", headers={
            "Content-Security-Policy": "script-src 'self' 'nonce-abc'"
        })  # fmt: skip

    assert not keep_decision(with_nonce)


def test_the_page_cache_can_be_turned_off(client, settings, site):
    settings.PAGE_CACHE_SECONDS = 0
    url = reverse("posts:home")
    client.get(url)
    assert not served_from_cache(client, url)
    assert Post.objects.count() == 1


# An app server: answers each URL read from stdin with one JSON line, as a reader sees it.
APP_SERVER = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.db import connection
# As in tests/conftest.py: no collectstatic manifest here.
static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
settings.STORAGES = {**settings.STORAGES, "staticfiles": static}
from django.test import Client
from django.test.utils import CaptureQueriesContext
reader = Client()
for line in sys.stdin:
    with CaptureQueriesContext(connection) as queries:
        response = reader.get(line.strip(), HTTP_HOST="127.0.0.1", secure=True)
    print(json.dumps({
        "status": response.status_code, "etag": response.get("ETag"),
        "last_modified": response.get("Last-Modified"), "queries": len(queries),
        "hit": getattr(response.wsgi_request, "answered_from_page_cache", False),
        "body": response.content.decode(),
    }), flush=True)
"""


class AppServer:
    def __init__(self, env):
        self.process = subprocess.Popen(
            [sys.executable, "-c", APP_SERVER],
            cwd=BASE_DIR, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip

    def get(self, url):
        self.process.stdin.write(url + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the app server stopped"
        return json.loads(line)

    def stop(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_two_app_servers_sharing_one_cache_agree_and_follow_every_change(tmp_path):
    # Committed, so that the servers see it: this test's database is emptied afterwards.
    post = make_post("Joined up support", authors=[make_person("Alan")])
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "flse_hub.settings",
        "DATABASE_URL": database_url(),
        "FLSE_VAR_DIR": str(tmp_path),
        "DJANGO_SECRET_KEY": "two-servers-one-key-for-this-test-only",
        "CACHE_URL": f"file://{tmp_path / 'shared-cache'}",
    }
    first, second = AppServer(env), AppServer(env)
    try:
        url = post.get_absolute_url()
        rendered = first.get(url)
        kept = second.get(url)
        assert rendered["status"] == kept["status"] == 200
        assert not rendered["hit"] and kept["hit"] and kept["queries"] == 1
        assert kept["body"] == rendered["body"]
        assert kept["etag"] == rendered["etag"]
        assert kept["last_modified"] == rendered["last_modified"]

        post.title = "Joined up support, revised"
        post.save()

        fresh = second.get(url)
        assert not fresh["hit"] and "Joined up support, revised" in fresh["body"]
        also_fresh = first.get(url)
        assert also_fresh["hit"] and also_fresh["queries"] == 1
        assert also_fresh["body"] == fresh["body"]
        assert also_fresh["etag"] == fresh["etag"] != rendered["etag"]
    finally:
        first.stop()
        second.stop()


def test_a_bad_host_is_refused_with_every_header(client):
    response = client.get(reverse("posts:home"), HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "Content-Security-Policy" in response


def test_churn_of_pages_and_figures_never_pushes_out_rate_limit_counts():
    from django.core.cache import cache

    cache.set("ratelimit:newsletter:test", 3, 60)
    for alias in ("pages", "archive"):
        for i in range(1200):
            caches[alias].set(f"churn-{i}", b"x" * 100, 60)
    assert cache.get("ratelimit:newsletter:test") == 3
