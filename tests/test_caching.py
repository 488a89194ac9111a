"""Public pages are cacheable and revalidate with 304s; personal responses never are."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from flse_hub.site.models import ContentVersion
from tests.factories import make_person, make_post, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def post():
    return make_post("Joined up support", authors=[make_person("Alan")], topics=[make_topic("T")])


def public_urls(post):
    return [
        reverse("posts:home"),
        reverse("posts:list"),
        post.get_absolute_url(),
        reverse("posts:topics"),
        reverse("posts:feed-atom"),
        reverse("sitemap"),
        reverse("posts:cite-ris", kwargs={"slug": post.slug}),
    ]


def cache_control(response):
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


def test_public_pages_are_publicly_cacheable_with_validators(client, post):
    for url in public_urls(post):
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"public", "max-age=300"} <= cache_control(response), url
        assert response.has_header("ETag"), url
        assert response.has_header("Last-Modified"), url


def test_conditional_get_with_etag_returns_304(client, post):
    for url in public_urls(post):
        etag = client.get(url)["ETag"]
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304, url
        assert again.content == b""
        assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_conditional_get_with_if_modified_since_returns_304_until_a_post_changes(client, post):
    # HTTP dates count whole seconds: the last change is put an hour back to be unambiguous.
    ContentVersion.objects.update(changed_at=timezone.now() - timedelta(hours=1))
    url = reverse("posts:list")
    last_modified = client.get(url)["Last-Modified"]
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304

    # An edit moves Last-Modified on, so the list is sent again.
    post.standfirst = "A better summary."
    post.save()
    response = client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified)
    assert response.status_code == 200
    assert response["Last-Modified"] != last_modified
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=http_date(0)).status_code == 200


def test_staff_responses_are_private_and_never_stored(staff_client, post):
    for url in [*public_urls(post), reverse("admin:index"), reverse("admin:posts_post_changelist")]:
        response = staff_client.get(url)
        directives = cache_control(response)
        assert "private" in directives and "no-store" in directives, url
        assert "public" not in directives, url
        assert "Cookie" in response.get("Vary", ""), url


def test_staff_preview_of_a_draft_is_private_and_ignores_if_modified_since(staff_client):
    draft = make_post("Draft", published=False)
    response = staff_client.get(draft.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=http_date(2**31))
    assert response.status_code == 200
    assert "no-store" in cache_control(response)


def test_a_page_carrying_a_csrf_token_is_never_public(client, rf):
    # The admin sign-in form: a CSRF token (and its cookie) makes a page personal.
    response = client.get(reverse("admin:login"))
    assert "public" not in cache_control(response)
    assert "no-store" in cache_control(response) or "private" in cache_control(response)


def test_private_responses_middleware_downgrades_public_pages_with_cookies(client, post):
    from django.http import HttpResponse
    from django.test import RequestFactory

    from flse_hub.middleware import PrivateResponsesMiddleware

    def view(request):
        response = HttpResponse("hi", headers={"Cache-Control": "public, max-age=300"})
        response.set_cookie("tracking", "1")
        return response

    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = PrivateResponsesMiddleware(view)(request)
    assert "public" not in cache_control(response)
    assert {"private", "no-store"} <= cache_control(response)
