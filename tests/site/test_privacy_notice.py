"""The privacy notice is the site page "privacy": moved there by migration, linked from
every signup form, and never showing readers an instruction meant for staff."""

import importlib

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from flse_hub.site.models import Page
from people import consent
from people.models import Subscriber
from tests.factories import make_post
from tests.people.helpers import sign_up

STAFF_WORDS = ["Staff:", "in the admin", "edit this notice"]
MOVED = [("site", "0006_move_privacy_notice_to_page"), ("people", "0006_delete_privacy_notice")]
BEFORE = [("site", "0005_pages"), ("people", "0005_track_confirmation_delivery")]
OLD_DEFAULT = importlib.import_module(
    "people.migrations.0003_create_newsletter_managers_group"
).PRIVACY_NOTICE


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_notice_moves_into_a_page_and_back():
    apps = migrate(BEFORE)
    try:
        PrivacyNotice = apps.get_model("people", "PrivacyNotice")
        apps.get_model("site", "Page").objects.all().delete()
        PrivacyNotice.objects.update_or_create(
            pk=1,
            defaults={
                "title": "How we use your data",
                "body": "We keep <your> address.\n\nComplain: https://ico.org.uk/make-a-complaint/"
                "\n\n" + OLD_DEFAULT.splitlines()[-1],
            },
        )
        apps = migrate(MOVED)
        page = apps.get_model("site", "Page").objects.get(slug="privacy")
        assert page.title == "How we use your data"
        assert page.status == "published"
        assert page.body == (
            "<p>We keep &lt;your&gt; address.</p><p>Complain: <a href="
            '"https://ico.org.uk/make-a-complaint/" rel="noopener noreferrer">'
            "https://ico.org.uk/make-a-complaint/</a></p>"
        )
        assert "Complain" in page.search_text

        apps = migrate(BEFORE)
        notice = apps.get_model("people", "PrivacyNotice").objects.get()
        assert notice.title == "How we use your data"
        assert notice.body == (
            "We keep <your> address.\n\nComplain: https://ico.org.uk/make-a-complaint/"
        )
        assert not apps.get_model("site", "Page").objects.filter(slug="privacy").exists()
    finally:
        # Every app's latest, not MOVED: later migrations (site 0007…) must come back too.
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_a_fresh_database_has_the_notice_without_the_staff_line(client):
    html = client.get("/privacy/").content.decode()
    assert "Information Commissioner" in html
    for words in STAFF_WORDS:
        assert words not in html


@pytest.mark.django_db
def test_the_demo_notice_replaces_the_migrated_one(client):
    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115
    html = client.get("/privacy/").content.decode()
    assert "The data controller is" in html
    assert "Information Commissioner" in html


@pytest.mark.django_db
def test_a_staff_edited_notice_survives_a_forced_demo_load(admin_client, admin_user):
    page = Page.objects.get(slug="privacy")
    page.body = "<p>Our own words.</p>"
    page.last_edited_by = admin_user
    page.save()
    call_command("load_demo_content", "--force", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Page.objects.get(slug="privacy").body == "<p>Our own words.</p>"


@pytest.mark.django_db
def test_demo_pages_are_loaded_once_and_public(client):
    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for slug, words in [
        ("about", "National Lottery Community Fund"),
        ("contact", "[placeholder"),
        ("accessibility", "Equality and Human Rights Commission"),
        ("privacy", "Article 6(1)(a)"),
    ]:
        response = client.get(f"/{slug}/")
        assert response.status_code == 200, slug
        assert words in response.content.decode(), slug
    Page.objects.get(slug="about").delete()
    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert client.get("/about/").status_code == 404


@pytest.mark.django_db
def test_signup_forms_link_the_page_and_the_old_address_redirects(client):
    make_post("A post")
    for url in ["/", "/posts/a-post/", reverse("people:newsletter")]:
        assert 'href="/privacy/"' in client.get(url).content.decode(), url
    response = client.get("/newsletter/privacy/")
    assert (response.status_code, response["Location"]) == (301, "/privacy/")


@pytest.mark.django_db
def test_the_consent_record_still_names_the_wording_version(client):
    sign_up(client, "ann@example.org", worker=False)
    assert Subscriber.objects.get().consent_version == consent.CURRENT_VERSION


@pytest.mark.django_db
def test_without_the_page_readers_get_a_plain_404_and_staff_a_hint_in_the_admin(
    client, admin_client
):
    Page.objects.filter(slug="privacy").delete()
    response = client.get("/privacy/")
    assert response.status_code == 404
    assert client.get("/newsletter/privacy/", follow=True).status_code == 404
    for words in [*STAFF_WORDS, "admin"]:
        assert words not in response.content.decode()
    hint = admin_client.get(reverse("admin:site_page_changelist")).content.decode()
    assert "There is no published page with the slug “privacy”" in hint


@pytest.mark.django_db
def test_readers_get_no_cookies_as_the_notice_says(client):
    """The privacy notice says reading the site sets no cookies; signing up sets none either."""
    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for url in ["/", "/posts/", "/privacy/", "/about/", "/search/?q=housing", "/newsletter/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.cookies, (url, response.cookies)
        for words in STAFF_WORDS:
            assert words not in response.content.decode(), (url, words)
    response = sign_up(client, "bo@example.org", worker=False)
    assert not response.cookies
