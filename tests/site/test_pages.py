"""Staff-written pages at /<slug>/: validation, visibility, preview, SEO, sitemap, admin."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html
from reversion.models import Version

from flse_hub import freshness
from flse_hub.site.models import ContentVersion, Page
from flse_hub.site.pages import reserved_slugs
from tests.posts.test_seo import sitemap_entries

pytestmark = pytest.mark.django_db


def make_page(title="About us", *, slug="about", published=True, **fields):
    if published:
        fields.setdefault("status", Page.Status.PUBLISHED)
        fields.setdefault("published_at", timezone.now() - timedelta(days=1))
    fields.setdefault("body", f"<p>Body of {title}.</p>")
    return Page.objects.create(title=title, slug=slug, **fields)


def staff(username, *codenames):
    user = get_user_model().objects.create_user(username, f"{username}@example.org", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


# --- validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug",
    ["posts", "topics", "people", "search", "newsletter", "feeds", "admin", "static", "media",
     "csp-report", "Posts"],
)  # fmt: skip
def test_slugs_of_existing_addresses_are_refused_with_a_clear_message(slug):
    page = Page(title="Clash", slug=slug, body="<p>x</p>")
    with pytest.raises(ValidationError) as error:
        page.full_clean()
    message = " ".join(error.value.message_dict["slug"])
    assert f"“/{slug}/” is already an address of the site" in message


def test_reserved_slugs_follow_the_settings_and_url_patterns(settings):
    taken = reserved_slugs()
    assert {"sitemap.xml", "robots.txt", "favicon.ico", "manifest.webmanifest"} <= taken
    # Taken from the URL patterns themselves, not only from the list.
    assert {"posts", "topics", "people", "feeds", "search", "newsletter"} <= taken
    settings.ADMIN_PATH = "staff-7f3k/"
    assert "staff-7f3k" in reserved_slugs()


def test_an_ordinary_slug_is_accepted():
    Page(title="About us", slug="about", body="<p>Hello</p>").full_clean()


def test_the_admin_form_refuses_a_reserved_slug_and_keeps_what_was_typed(admin_client):
    response = admin_client.post(
        reverse("admin:site_page_add"),
        {"title": "Search help", "slug": "search", "body": "<p>Typed words</p>",
         "status": "draft", "published_at_0": "", "published_at_1": ""},
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert "is already an address of the site" in html
    assert "Typed words" in html
    assert not Page.objects.filter(slug="search").exists()


def test_the_body_is_sanitised_with_the_posts_allowlist():
    page = make_page(
        body='<p onclick="x()" style="color:red">Hi <script>alert(1)</script>'
        '<a href="javascript:alert(1)">bad</a> <a href="https://example.org">ok</a></p>'
    )
    page.refresh_from_db()
    assert "script" not in page.body
    assert "onclick" not in page.body
    assert "style" not in page.body
    assert "javascript:" not in page.body
    assert '<a href="https://example.org" rel="noopener noreferrer">ok</a>' in page.body
    assert page.search_text == "Hi bad ok"


# --- visibility and preview -----------------------------------------------------------


def test_a_published_page_is_public_with_its_seo(client):
    make_page(seo_title="About FLSE", seo_description="Who we are.", body="<p>We are.</p>")
    response = client.get("/about/")
    assert response.status_code == 200
    doc = lxml_html.fromstring(response.content)
    assert doc.findtext(".//title") == "About FLSE – FLSE Learning Hub"
    assert doc.xpath("//h1/text()") == ["About us"]
    assert doc.xpath("//meta[@name='description']/@content") == ["Who we are."]
    assert doc.xpath("//link[@rel='canonical']/@href") == ["http://testserver/about/"]
    assert doc.xpath("//meta[@property='og:title']/@content") == ["About FLSE"]
    assert doc.xpath("//meta[@property='og:url']/@content") == ["http://testserver/about/"]
    (ld,) = doc.xpath("//script[@type='application/ld+json']/text()")
    data = json.loads(ld)
    assert data["@type"] == "WebPage"
    assert data["url"] == "http://testserver/about/"
    assert "Preview" not in response.content.decode()
    assert "public" in response["Cache-Control"]


def test_without_seo_fields_the_description_comes_from_the_body(client):
    make_page(body="<p>Fulfilling Lives South East supported people.</p>")
    doc = lxml_html.fromstring(client.get("/about/").content)
    assert doc.xpath("//meta[@name='description']/@content") == [
        "Fulfilling Lives South East supported people."
    ]


@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_readers_get_404_for_drafts_and_scheduled_pages(client, state):
    if state == "draft":
        make_page(published=False)
    else:
        make_page(published_at=timezone.now() + timedelta(days=2))
    assert client.get("/about/").status_code == 404
    assert client.get("/no-such-page/").status_code == 404


def test_staff_who_may_view_pages_preview_a_draft_with_the_banner(client):
    make_page(published=False)
    client.force_login(staff("viewer", "view_page"))
    response = client.get("/about/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview: this page is a draft and is not public." in html
    assert '<meta name="robots" content="noindex">' in html
    assert "application/ld+json" not in html
    assert "private" in response["Cache-Control"]


def test_a_scheduled_page_preview_says_when(client):
    when = timezone.now() + timedelta(days=2)
    make_page(published_at=when)
    client.force_login(staff("changer", "change_page"))
    html = client.get("/about/").content.decode()
    assert "Preview: this page is scheduled for" in html
    assert "Scheduled for" in html


def test_staff_without_page_permissions_get_404_for_a_draft(client):
    make_page(published=False)
    client.force_login(staff("writer", "view_post", "change_post"))
    assert client.get("/about/").status_code == 404


def test_existing_addresses_win_over_pages(client):
    # Even a row written past validation (an import) cannot take over /search/.
    Page.objects.create(
        title="Hijack", slug="search", status="published", published_at=timezone.now()
    )
    assert b"Hijack" not in client.get("/search/").content


def test_a_page_costs_a_constant_number_of_queries(client):
    make_page(body="<p>" + "word " * 2000 + "</p>")
    client.get("/")  # warms the site's settings and menus, read once per content version
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/about/").status_code == 200
    # Last-Modified (one) and the page (one).
    assert len(queries) <= 2, [q["sql"] for q in queries]


# --- sitemap and freshness --------------------------------------------------------------


def test_published_pages_and_only_they_are_in_the_sitemap(client):
    make_page()
    make_page("Draft", slug="draft-page", published=False)
    make_page("Later", slug="later", published_at=timezone.now() + timedelta(days=1))
    locations = list(sitemap_entries(client))
    assert "http://testserver/about/" in locations
    assert not any(loc.endswith(("/draft-page/", "/later/")) for loc in locations)


def test_a_scheduled_page_moves_last_modified_when_its_time_comes():
    Page.objects.all().delete()  # the privacy notice the migrations made
    page = make_page(published_at=timezone.now() + timedelta(hours=1))
    two_hours_ago = timezone.now() - timedelta(hours=2)
    ContentVersion.objects.update(changed_at=two_hours_ago)
    assert freshness.last_modified() == two_hours_ago
    # The time arriving is no write (a queryset update sends no signal), yet pages change.
    arrived = timezone.now() - timedelta(minutes=1)
    Page.objects.filter(pk=page.pk).update(published_at=arrived)
    assert freshness.last_modified() == arrived


def test_saving_and_deleting_a_page_moves_the_content_version():
    ContentVersion.objects.update(changed_at=timezone.now() - timedelta(hours=2))
    page = make_page(published=False)
    after_draft = freshness.changed_at()
    assert after_draft > timezone.now() - timedelta(minutes=1)
    ContentVersion.objects.update(changed_at=timezone.now() - timedelta(hours=2))
    page.delete()
    assert freshness.changed_at() > timezone.now() - timedelta(minutes=1)


# --- admin: history, recovery, who edited ------------------------------------------------


def page_form(**overrides):
    data = {
        "title": "About us", "slug": "about", "body": "<p>First words.</p>",
        "status": "published", "published_at_0": "", "published_at_1": "",
        "seo_title": "", "seo_description": "",
    }  # fmt: skip
    return {**data, **overrides}


def test_staff_edits_are_versioned_and_an_old_version_can_be_recovered(client):
    editor = staff("editor", "add_page", "change_page", "view_page")
    client.force_login(editor)
    assert client.post(reverse("admin:site_page_add"), page_form()).status_code == 302
    page = Page.objects.get(slug="about")
    assert page.last_edited_by == editor
    change = reverse("admin:site_page_change", args=[page.pk])
    client.post(change, page_form(body="<p>Second words.</p>"))
    versions = Version.objects.get_for_object(page)
    assert versions.count() == 2
    history = client.get(reverse("admin:site_page_history", args=[page.pk]))
    assert history.status_code == 200
    oldest = versions.last()
    revision_url = reverse("admin:site_page_revision", args=[page.pk, oldest.pk])
    assert "First words." in client.get(revision_url).content.decode()
    # Saving the old version's form recovers it (and is itself a new version).
    client.post(revision_url, page_form())
    page.refresh_from_db()
    assert page.body == "<p>First words.</p>"
    assert Version.objects.get_for_object(page).count() == 3


def test_view_only_staff_cannot_change_a_page_or_see_its_old_versions(client):
    page = make_page()
    client.force_login(staff("viewer", "view_page"))
    change = reverse("admin:site_page_change", args=[page.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, page_form(body="<p>Changed</p>")).status_code == 403
    page.refresh_from_db()
    assert page.body == "<p>Body of About us.</p>"
    assert client.get(reverse("admin:site_page_add")).status_code == 403


def test_staff_without_page_permissions_cannot_open_pages_in_the_admin(client):
    page = make_page()
    client.force_login(staff("writer", "change_post", "view_post"))
    assert client.get(reverse("admin:site_page_changelist")).status_code == 403
    assert client.get(reverse("admin:site_page_change", args=[page.pk])).status_code == 403
    assert client.get(reverse("admin:site_page_history", args=[page.pk])).status_code == 403
