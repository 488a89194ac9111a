"""Site settings: one record staff edit in the admin, read by every page through a cache."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import parse_http_date
from PIL import Image

from flse_hub.site.admin import SVG_REFUSED
from flse_hub.site.models import ContentVersion, FooterLink, HeaderLink, SiteSettings, SocialLink
from tests.factories import make_person, make_post, make_topic

pytestmark = pytest.mark.django_db

CHANGE_URL = "/admin/site/sitesettings/1/change/"
HOSTILE_SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>fetch('/admin/')</script><foreignObject><iframe src='javascript:alert(2)'/>"
    b'</foreignObject><image href="https://evil.example/x.png"/></svg>'
)
PLAIN_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


def png(size=(600, 200), colour=(200, 30, 30, 255)):
    out = io.BytesIO()
    Image.new("RGBA", size, colour).save(out, "PNG")
    return out.getvalue()


def form_data(**overrides):
    """A complete change-form POST for Site settings with empty inline formsets."""
    site = SiteSettings.objects.get(pk=1)
    data = {
        "site_name": site.site_name,
        "short_name": site.short_name,
        "organisation_name": site.organisation_name,
        "logo_alt": site.logo_alt,
        "theme_colour": site.theme_colour,
        "charity_number": "",
        "company_number": "",
        "postal_address": "",
        "contact_email": "",
        "contact_phone": "",
        "funder_line": "",
        "home_introduction": "",
        "share_image_alt": "",
    }
    for prefix, model in [
        ("headerlink_set", HeaderLink),
        ("footerlink_set", FooterLink),
        ("sociallink_set", SocialLink),
    ]:
        count = model.objects.count()
        data |= {
            f"{prefix}-TOTAL_FORMS": str(count),
            f"{prefix}-INITIAL_FORMS": str(count),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
        for i, link in enumerate(model.objects.order_by("pk")):
            data[f"{prefix}-{i}-id"] = str(link.pk)
            data[f"{prefix}-{i}-site_settings"] = "1"
            data[f"{prefix}-{i}-order"] = str(link.order)
            data[f"{prefix}-{i}-label"] = link.label
            if model is SocialLink:
                data[f"{prefix}-{i}-url"] = link.url
            else:
                data[f"{prefix}-{i}-topic"] = str(link.topic_id or "")
                data[f"{prefix}-{i}-address"] = link.address
    return data | overrides


def errors_of(response):
    return " ".join(str(e) for e in response.context["adminform"].form.errors.values()) + " ".join(
        f"{formset.formset.errors} {formset.formset.non_form_errors()}"
        for formset in response.context["inline_admin_formsets"]
    )


# --- One record --------------------------------------------------------------------------


def test_the_migration_creates_the_one_record_and_saving_another_keeps_it_one():
    assert SiteSettings.objects.count() == 1
    SiteSettings(site_name="Another", organisation_name="Org").save()
    assert list(SiteSettings.objects.values_list("pk", "site_name")) == [(1, "Another")]


def test_the_admin_list_opens_the_record_and_offers_no_add_or_delete(staff_client):
    response = staff_client.get("/admin/site/sitesettings/")
    assert response.status_code == 302
    assert response["Location"] == CHANGE_URL
    page = staff_client.get(CHANGE_URL)
    assert page.status_code == 200
    assert b"Save and add another" not in page.content
    assert staff_client.get("/admin/site/sitesettings/add/").status_code == 403
    assert staff_client.get("/admin/site/sitesettings/1/delete/").status_code == 403


def test_the_admin_list_recreates_a_missing_record(staff_client):
    SiteSettings.objects.all().delete()
    assert staff_client.get("/admin/site/sitesettings/").status_code == 302
    assert SiteSettings.objects.filter(pk=1).exists()


# --- Validation --------------------------------------------------------------------------


@pytest.mark.parametrize("colour", ["red", "#fff", "#12345g", "0b5563", "#0b5563;x", ""])
def test_a_theme_colour_that_is_not_hex_is_refused(staff_client, colour):
    response = staff_client.post(CHANGE_URL, form_data(theme_colour=colour))
    assert response.status_code == 200
    assert "theme_colour" in response.context["adminform"].form.errors
    if 0 < len(colour) <= 7:
        assert "six hexadecimal digits" in errors_of(response)
    assert SiteSettings.objects.get().theme_colour == "#0b5563"


@pytest.mark.parametrize(
    "content, name",
    [
        (HOSTILE_SVG, "logo.svg"),
        (PLAIN_SVG, "logo.svg"),
        (HOSTILE_SVG, "logo.png"),  # the name lies; the bytes decide
        (b"   \n" + PLAIN_SVG, "logo"),
    ],
)
def test_an_svg_logo_is_refused_with_the_reason(staff_client, content, name):
    data = form_data(logo_alt="Our logo", logo=SimpleUploadedFile(name, content, "image/svg+xml"))
    response = staff_client.post(CHANGE_URL, data)
    assert response.status_code == 200
    assert SVG_REFUSED in errors_of(response)
    assert not SiteSettings.objects.get().logo


def test_a_logo_without_a_text_alternative_is_refused(staff_client):
    data = form_data(logo=SimpleUploadedFile("logo.png", png(), "image/png"))
    response = staff_client.post(CHANGE_URL, data)
    assert "Describe the logo" in errors_of(response)
    assert not SiteSettings.objects.get().logo


def test_a_raster_logo_is_stored_re_encoded_under_a_random_name(staff_client):
    data = form_data(
        logo_alt="Fulfilling Lives logo", logo=SimpleUploadedFile("my logo.png", png(), "image/png")
    )
    response = staff_client.post(CHANGE_URL, data)
    assert response.status_code == 302, errors_of(response)
    site = SiteSettings.objects.get()
    assert re.fullmatch(r"site/[\w-]{22}\.png", site.logo.name)
    assert (site.logo_width, site.logo_height) == (600, 200)


@pytest.mark.parametrize(
    "address",
    ["javascript:alert(1)", "//evil.example/", "/\\evil.example", "ftp://x.example/", "about",
     "/a b/", "data:text/html,x"],
)  # fmt: skip
def test_a_link_address_that_is_neither_a_path_nor_a_web_address_is_refused(staff_client, address):
    data = form_data(
        **{
            "headerlink_set-TOTAL_FORMS": "1",
            "headerlink_set-0-order": "1",
            "headerlink_set-0-label": "Bad",
            "headerlink_set-0-address": address,
        }
    )
    response = staff_client.post(CHANGE_URL, data)
    assert response.status_code == 200
    assert "address" in errors_of(response)
    assert not HeaderLink.objects.exists()


def test_a_link_needs_exactly_one_target(staff_client):
    topic = make_topic("Housing")
    for extra in [{}, {"headerlink_set-0-topic": str(topic.pk), "headerlink_set-0-address": "/x/"}]:
        data = form_data(
            **{"headerlink_set-TOTAL_FORMS": "1", "headerlink_set-0-order": "1",
               "headerlink_set-0-label": "Either", **extra}
        )  # fmt: skip
        response = staff_client.post(CHANGE_URL, data)
        assert "Choose a topic or give an address" in errors_of(response)
    assert not HeaderLink.objects.exists()


def test_social_links_must_be_https(staff_client):
    data = form_data(
        **{"sociallink_set-TOTAL_FORMS": "1", "sociallink_set-0-order": "1",
           "sociallink_set-0-label": "LinkedIn", "sociallink_set-0-url": "http://linkedin.com/x"}
    )  # fmt: skip
    response = staff_client.post(CHANGE_URL, data)
    assert "https://" in errors_of(response)
    assert not SocialLink.objects.exists()


def test_valid_links_are_saved(staff_client):
    topic = make_topic("Housing")
    data = form_data(
        **{
            "headerlink_set-TOTAL_FORMS": "2",
            "headerlink_set-0-order": "2",
            "headerlink_set-0-label": "About us",
            "headerlink_set-0-address": "/about/",
            "headerlink_set-1-order": "1",
            "headerlink_set-1-topic": str(topic.pk),
            "footerlink_set-TOTAL_FORMS": "1",
            "footerlink_set-0-order": "1",
            "footerlink_set-0-label": "Partner",
            "footerlink_set-0-address": "https://www.bht.org.uk/",
        }
    )
    response = staff_client.post(CHANGE_URL, data)
    assert response.status_code == 302, errors_of(response)
    assert [link.text() for link in HeaderLink.objects.all()] == ["Housing", "About us"]
    assert FooterLink.objects.get().url() == "https://www.bht.org.uk/"


# --- One cached lookup, moved by the content version -------------------------------------


SITE_TABLES = ("site_sitesettings", "site_headerlink", "site_footerlink", "site_sociallink")


def test_a_warm_page_runs_no_query_for_the_identity(client, settings, django_assert_num_queries):
    settings.PAGE_CACHE_SECONDS = 0  # renders, not the page kept whole
    author = make_person("Writer")
    make_post("A post", authors=[author], topics=[make_topic("Housing")])
    SocialLink.objects.create(site_settings_id=1, label="LinkedIn", url="https://l.example/")
    HeaderLink.objects.create(site_settings_id=1, label="About", address="/about/")

    with CaptureQueriesContext(connection) as cold:
        client.get("/")
    assert sum(any(t in q["sql"] for t in SITE_TABLES) for q in cold.captured_queries) == 4

    # The same four queries as without the identity (tests/posts/test_query_counts.py).
    with django_assert_num_queries(4) as warm:
        response = client.get("/")
    assert not [q for q in warm.captured_queries if any(t in q["sql"] for t in SITE_TABLES)]
    assert b'href="https://l.example/"' in response.content


def test_saving_settings_moves_the_content_version_and_the_page_follows(client):
    # An hour ago, so that Last-Modified (whole seconds) must visibly move.
    ContentVersion.objects.update(changed_at=timezone.now() - timedelta(hours=1))
    first = client.get("/")
    version = ContentVersion.objects.get().number
    site = SiteSettings.objects.get()
    site.site_name = "Renamed Hub"
    site.save()
    assert ContentVersion.objects.get().number > version
    second = client.get("/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert second.status_code == 200  # not a 304: the page changed
    assert parse_http_date(second["Last-Modified"]) > parse_http_date(first["Last-Modified"])
    assert b"Renamed Hub" in second.content


@pytest.mark.parametrize("model", [HeaderLink, FooterLink, SocialLink])
def test_changing_a_link_shows_on_the_next_page(client, model):
    client.get("/")
    fields = {"url": "https://x.example/"} if model is SocialLink else {"address": "/x/"}
    model.objects.create(site_settings_id=1, label="Brand new link", **fields)
    assert b"Brand new link" in client.get("/").content


def test_renaming_a_linked_topic_renames_the_link(client):
    topic = make_topic("Housing")
    HeaderLink.objects.create(site_settings_id=1, topic=topic)
    assert b">Housing</a>" in client.get("/").content
    topic.name = "Homes"
    topic.save()
    assert b">Homes</a>" in client.get("/").content


# --- Permissions -------------------------------------------------------------------------


def staff_with(django_user_model, client, *codenames):
    user = django_user_model.objects.create_user("writer", "w@example.org", "pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


def test_staff_without_the_permission_cannot_open_or_change_settings(client, django_user_model):
    staff = staff_with(django_user_model, client, "change_post")
    assert staff.get("/admin/site/sitesettings/").status_code == 403
    assert staff.get(CHANGE_URL).status_code == 403
    assert staff.post(CHANGE_URL, form_data(site_name="Hijacked")).status_code == 403
    assert SiteSettings.objects.get().site_name != "Hijacked"


def test_view_permission_shows_but_does_not_save(client, django_user_model):
    staff = staff_with(django_user_model, client, "view_sitesettings")
    assert staff.get(CHANGE_URL).status_code == 200
    assert staff.post(CHANGE_URL, form_data(site_name="Hijacked")).status_code == 403
    assert SiteSettings.objects.get().site_name != "Hijacked"


def test_changing_menus_needs_the_link_permissions(client, django_user_model):
    staff = staff_with(django_user_model, client, "view_sitesettings", "change_sitesettings")
    data = form_data(
        site_name="Renamed",
        **{"headerlink_set-TOTAL_FORMS": "1", "headerlink_set-0-order": "1",
           "headerlink_set-0-label": "Sneaky", "headerlink_set-0-address": "/x/"},
    )  # fmt: skip
    staff.post(CHANGE_URL, data)
    assert SiteSettings.objects.get().site_name == "Renamed"
    assert not HeaderLink.objects.exists()  # the inline is not even offered


def test_an_editor_with_the_permissions_manages_settings_and_menus(client, django_user_model):
    staff = staff_with(
        django_user_model, client, "view_sitesettings", "change_sitesettings",
        "add_headerlink", "change_headerlink", "delete_headerlink", "view_headerlink",
        "add_footerlink", "change_footerlink", "delete_footerlink", "view_footerlink",
        "add_sociallink", "change_sociallink", "delete_sociallink", "view_sociallink",
    )  # fmt: skip
    data = form_data(
        site_name="Renamed",
        **{"headerlink_set-TOTAL_FORMS": "1", "headerlink_set-0-order": "1",
           "headerlink_set-0-label": "About", "headerlink_set-0-address": "/about/"},
    )  # fmt: skip
    response = staff.post(CHANGE_URL, data)
    assert response.status_code == 302, errors_of(response)
    assert HeaderLink.objects.get().address == "/about/"
