"""Redirects staff manage: old addresses answer 301/302 when the site has no page there."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from flse_hub.site.models import Redirect
from tests.factories import make_post

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:site_redirect_add")


def add(old, target, **fields):
    redirect = Redirect(old_path=old, target=target, **fields)
    redirect.full_clean()
    redirect.save()
    return redirect


def test_an_old_path_answers_301_and_is_kept_as_a_redirect_not_a_404(client):
    post = make_post(slug="some-post")
    add("/2021/03/some-post/", post.get_absolute_url())
    response = client.get("/2021/03/some-post/")
    assert (response.status_code, response["Location"]) == (301, "/posts/some-post/")
    assert "max-age=3600" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]


def test_a_temporary_redirect_answers_302_and_is_not_cached(client):
    add("/events/", "https://example.org/events/", status_code=302)
    response = client.get("/events/")
    assert (response.status_code, response["Location"]) == (302, "https://example.org/events/")
    assert "no-cache" in response["Cache-Control"]


def test_a_path_typed_without_its_final_slash_still_matches(client):
    add("/about-us", "/posts/")
    assert client.get("/about-us/")["Location"] == "/posts/"
    # Without the slash, Django's APPEND_SLASH answers first (a page could live at
    # /about-us/), and the redirect then answers there: two hops, ending at the target.
    followed = client.get("/about-us", follow=True)
    assert [url for url, _ in followed.redirect_chain] == ["/about-us/", "/posts/"]


def test_a_full_old_address_is_cut_down_to_its_path(client):
    redirect = add("https://old.example.org/2020/01/report/", "/posts/")
    assert redirect.old_address == "/2020/01/report/"


def test_wordpress_query_addresses_match_their_parameters_in_any_order(client):
    post = make_post(slug="from-wordpress")
    add("/?p=123", post.get_absolute_url())
    add("/index.php?p=7&lang=en", "/posts/")
    # The home page answers /, yet /?p=123 is an old address and moves.
    assert client.get("/?p=123")["Location"] == "/posts/from-wordpress/"
    assert client.get("/index.php?lang=en&p=7")["Location"] == "/posts/"
    assert client.get("/?p=124").status_code == 200
    assert client.get("/").status_code == 200
    assert client.get("/index.php?p=7").status_code == 404


def test_a_live_page_is_never_shadowed(client):
    post = make_post(slug="alive")
    # Saved without validation, as an import or the shell could: the page still wins.
    Redirect.objects.create(old_path=post.get_absolute_url(), target="https://example.org/")
    assert client.get(post.get_absolute_url()).status_code == 200


def test_pages_that_exist_never_look_redirects_up(client):
    post = make_post(slug="cheap")
    add("/old/", "/posts/")
    add("/?p=1", "/posts/")
    with CaptureQueriesContext(connection) as queries:
        client.get(post.get_absolute_url())
        client.get(post.get_absolute_url() + "?utm_source=y")
        client.get("/")
    assert not any("site_redirect" in q["sql"] for q in queries.captured_queries)
    # Only the home page with a query string (where /?p=123 lives) is looked up: one query.
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/?utm_source=z").status_code == 200
    assert sum("site_redirect" in q["sql"] for q in queries.captured_queries) == 1


def test_a_query_address_on_another_live_page_is_refused_as_never_used(staff_client):
    response = staff_client.post(ADD_URL, redirect_form("/posts/?p=5", "/topics/"))
    assert "is a page on the site today" in response.content.decode()
    assert not Redirect.objects.exists()


def test_a_404_with_no_redirect_stays_a_cacheable_404(client):
    add("/old/", "/posts/")
    response = client.get("/never-was/")
    assert response.status_code == 404
    assert "max-age=60" in response["Cache-Control"]


def test_last_used_is_written_at_most_once_a_minute(client):
    redirect = add("/old/", "/posts/")
    client.get("/old/")
    redirect.refresh_from_db()
    first_use = redirect.last_used_at
    assert first_use is not None

    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert client.get("/old/").status_code == 301
    assert not any(q["sql"].startswith("UPDATE") for q in queries.captured_queries)
    redirect.refresh_from_db()
    assert redirect.last_used_at == first_use


@pytest.mark.parametrize(
    "target",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "//evil.example/",
        "/\\evil.example/",
        "data:text/html,hi",
        "ftp://example.org/",
        "https://",
        "/path with space/",
        "posts/relative/",
    ],
)
def test_unsafe_or_unclear_targets_are_refused(target):
    with pytest.raises(ValidationError) as refused:
        add("/old/", target)
    assert "target" in refused.value.message_dict


@pytest.mark.parametrize("old", ["old/", "//evil/", "javascript:x", "/a b/", ""])
def test_old_addresses_that_are_not_paths_are_refused(old):
    with pytest.raises(ValidationError) as refused:
        add(old, "/posts/")
    assert "old_path" in refused.value.message_dict


def test_a_loop_is_refused():
    add("/a/", "/b/")
    with pytest.raises(ValidationError, match="loop"):
        add("/b/", "/a/")
    with pytest.raises(ValidationError, match="itself"):
        add("/c/", "/c/")


def test_a_chain_is_refused_with_the_final_address_offered():
    add("/b/", "/c/")
    with pytest.raises(ValidationError, match="Enter /c/ as the new address"):
        add("/a/", "/b/")


def test_redirecting_an_address_others_redirect_to_is_refused():
    add("/a/", "/b/")
    with pytest.raises(ValidationError, match="already sends readers to /b/"):
        add("/b/", "/c/")


def test_a_target_at_a_posts_former_address_offers_the_current_one():
    post = make_post(slug="old-slug")
    post.slug = "new-slug"
    post.save()
    with pytest.raises(ValidationError, match="Enter /posts/new-slug/ as the new address"):
        add("/2019/old/", "/posts/old-slug/")


def test_the_same_old_address_twice_is_refused():
    add("/?b=2&a=1", "/posts/")
    with pytest.raises(ValidationError, match="already a redirect from /\\?a=1&b=2"):
        add("/?a=1&b=2", "/topics/")


def redirect_form(old, target, status_code=301):
    return {"old_path": old, "target": target, "status_code": status_code, "note": ""}


def test_the_admin_refuses_a_redirect_from_a_live_page(staff_client):
    post = make_post(slug="live-one")
    response = staff_client.post(ADD_URL, redirect_form(post.get_absolute_url(), "/posts/"))
    assert response.status_code == 200
    assert "is a page on the site today" in response.content.decode()
    assert not Redirect.objects.exists()


def test_the_admin_adds_and_edits_a_redirect_with_a_query(staff_client, client):
    response = staff_client.post(ADD_URL, redirect_form("/?p=9", "/posts/"))
    assert response.status_code == 302
    redirect = Redirect.objects.get()
    assert (redirect.old_path, redirect.old_query) == ("/", "p=9")
    change = reverse("admin:site_redirect_change", args=[redirect.pk])
    assert 'value="/?p=9"' in staff_client.get(change).content.decode()
    response = staff_client.post(change, redirect_form("/?p=9", "/topics/", 302))
    assert response.status_code == 302
    assert client.get("/?p=9")["Location"] == "/topics/"


def staff_with(django_user_model, *codenames):
    user = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_staff_without_redirect_permissions_cannot_see_or_add_them(client, django_user_model):
    client.force_login(staff_with(django_user_model, "view_post"))
    assert client.get(reverse("admin:site_redirect_changelist")).status_code == 403
    assert client.post(ADD_URL, redirect_form("/x/", "/posts/")).status_code == 403
    assert not Redirect.objects.exists()


def test_view_only_staff_cannot_change_a_redirect(client, django_user_model):
    redirect = add("/x/", "/posts/")
    client.force_login(staff_with(django_user_model, "view_redirect"))
    change = reverse("admin:site_redirect_change", args=[redirect.pk])
    assert client.get(change).status_code == 200
    client.post(change, redirect_form("/x/", "/topics/"))
    redirect.refresh_from_db()
    assert redirect.target == "/posts/"


def test_staff_with_redirect_permissions_manage_them(client, django_user_model):
    client.force_login(
        staff_with(django_user_model, "view_redirect", "add_redirect", "change_redirect")
    )
    assert client.post(ADD_URL, redirect_form("/x/", "/posts/")).status_code == 302
    assert Redirect.objects.filter(old_path="/x/").exists()
