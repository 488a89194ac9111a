"""What readers see of Site settings: header, footer, home introduction, share image, icons."""

import io
import json

import html5lib
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from PIL import Image

from flse_hub.site import demo
from flse_hub.site.models import DemoContentLoad, FooterLink, HeaderLink, SiteSettings, SocialLink
from posts.media.models import Image as LibraryImage
from tests.factories import make_post, make_topic

pytestmark = pytest.mark.django_db
NS = {"h": "http://www.w3.org/1999/xhtml"}


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


def parse(response):
    return html5lib.parse(response.content, treebuilder="etree")


def texts(elements):
    return ["".join(e.itertext()).strip() for e in elements]


def png(size, colour=(200, 30, 30, 255)):
    out = io.BytesIO()
    Image.new("RGBA", size, colour).save(out, "PNG")
    return SimpleUploadedFile("x.png", out.getvalue(), "image/png")


def fill_settings(**fields):
    site = SiteSettings.objects.get(pk=1)
    values = {
        "site_name": "FLSE Learning Hub",
        "organisation_name": "Fulfilling Lives South East",
        "charity_number": "1234567",
        "company_number": "07654321",
        "postal_address": "1 Example Street\nBrighton\n\nBN1 1AA",
        "contact_email": "hello@example.org",
        "contact_phone": "01273 000 000",
        "funder_line": "Funded by The National Lottery Community Fund.",
    }
    for name, value in (values | fields).items():
        setattr(site, name, value)
    site.save()
    return site


# --- Header and footer navigation --------------------------------------------------------


def test_header_links_are_in_staff_order_with_topics_named_and_the_current_one_marked(client):
    topic = make_topic("Domestic abuse")
    post = make_post("A post")
    HeaderLink.objects.create(site_settings_id=1, order=30, label="About", address="/about/")
    HeaderLink.objects.create(site_settings_id=1, order=10, label="Posts", address="/posts/")
    HeaderLink.objects.create(site_settings_id=1, order=20, topic=topic)
    tree = parse(client.get(post.get_absolute_url()))
    nav = tree.find(".//h:header//h:nav[@aria-label='Main']", NS)
    links = nav.findall(".//h:a", NS)
    assert texts(links) == ["Posts", "Domestic abuse", "About"]
    assert [a.get("href") for a in links] == ["/posts/", topic.get_absolute_url(), "/about/"]
    # A post is in the Posts section.
    assert [a.get("aria-current") for a in links] == ["page", None, None]


def test_footer_links_are_in_their_own_labelled_nav(client):
    FooterLink.objects.create(site_settings_id=1, order=2, label="Contact", address="/contact/")
    FooterLink.objects.create(site_settings_id=1, order=1, label="About", address="/about/")
    HeaderLink.objects.create(site_settings_id=1, order=1, label="Only in header", address="/x/")
    tree = parse(client.get("/"))
    footer_nav = tree.find(".//h:footer//h:nav[@aria-label='Footer']", NS)
    assert texts(footer_nav.findall(".//h:a", NS)) == ["About", "Contact"]
    assert "Only in header" not in "".join(tree.find(".//h:footer", NS).itertext())
    # Exactly one h1, and every nav is named.
    assert len(tree.findall(".//h:h1", NS)) == 1
    assert all(nav.get("aria-label") for nav in tree.iter(f"{{{NS['h']}}}nav"))


def test_no_menu_means_no_empty_nav(client):
    tree = parse(client.get("/"))
    assert tree.find(".//h:header//h:nav", NS) is None
    assert tree.find(".//h:footer//h:nav", NS) is None


# --- Organisation details -----------------------------------------------------------------


def test_the_footer_carries_the_organisation_details(client):
    fill_settings()
    SocialLink.objects.create(site_settings_id=1, order=2, label="LinkedIn",
                              url="https://www.linkedin.com/company/x")  # fmt: skip
    SocialLink.objects.create(site_settings_id=1, order=1, label="Bluesky",
                              url="https://bsky.app/profile/x")  # fmt: skip
    footer = parse(client.get("/")).find(".//h:footer", NS)
    text = " ".join("".join(footer.itertext()).split())
    assert "Fulfilling Lives South East" in text
    assert "1 Example Street Brighton BN1 1AA" in text
    assert "Registered charity number 1234567." in text
    assert "Company number 07654321." in text
    assert "Funded by The National Lottery Community Fund." in text
    address = footer.find(".//h:address", NS)
    hrefs = [a.get("href") for a in address.findall(".//h:a", NS)]
    assert hrefs == ["mailto:hello@example.org", "tel:01273000000"]
    social = footer.findall(".//h:ul[@class='social-links']//h:a", NS)
    assert texts(social) == ["Bluesky", "LinkedIn"]


def test_empty_details_are_simply_absent_for_the_public(client):
    response = client.get("/")
    body = response.content.decode()
    for absent in ["charity number", "Company number", "mailto:", "tel:", "<address",
                   "placeholder —", "Site settings", "Only staff see this"]:  # fmt: skip
        assert absent not in body


def test_staff_see_which_details_are_placeholders(staff_client):
    fill_settings(charity_number="", contact_phone="")
    staff_page = staff_client.get("/").content.decode()
    assert "Charity number: placeholder — set in Site settings" in staff_page
    assert "Contact phone: placeholder — set in Site settings" in staff_page
    assert "Company number: placeholder" not in staff_page
    assert "/admin/site/sitesettings/1/change/" in staff_page
    public_page = Client().get("/").content.decode()
    assert "placeholder —" not in public_page
    assert "Site settings" not in public_page


def test_staff_values_are_escaped_everywhere(client):
    fill_settings(
        site_name="<script>alert(1)</script>",
        organisation_name='Org "><img src=x onerror=alert(2)>',
        funder_line="<b>bold</b>",
        home_introduction="<script>x</script>\n\nSecond & last",
    )
    body = client.get("/").content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body
    assert "<img src=x" not in body
    assert "<b>bold</b>" not in body
    assert "<script>x</script>" not in body
    assert "<p>Second &amp; last</p>" in body


def test_the_home_page_shows_the_introduction_in_paragraphs(client):
    fill_settings(home_introduction="First paragraph.\n\nSecond paragraph.")
    intro = parse(client.get("/")).find(".//h:div[@class='lead home-intro']", NS)
    assert texts(intro.findall("h:p", NS)) == ["First paragraph.", "Second paragraph."]


def test_the_header_shows_the_logo_with_its_text_alternative(client):
    site = SiteSettings.objects.get()
    site.logo = png((600, 200))
    site.logo_alt = "Fulfilling Lives South East logo"
    site.save()
    link = parse(client.get("/")).find(".//h:header//h:a[@class='site-name']", NS)
    image = link.find("h:img", NS)
    assert image.get("alt") == "Fulfilling Lives South East logo"
    assert image.get("src") == site.logo.url
    assert (image.get("width"), image.get("height")) == ("600", "200")
    assert "FLSE Learning Hub" in "".join(link.itertext())


# --- Head: theme colour, share image, icons ----------------------------------------------


def meta(tree, attribute, name):
    element = tree.find(f".//h:head/h:meta[@{attribute}='{name}']", NS)
    return element.get("content") if element is not None else None


def test_the_theme_colour_and_icon_links_are_in_every_head(client):
    fill_settings(theme_colour="#AA3300")
    tree = parse(client.get("/"))
    assert meta(tree, "name", "theme-color") == "#aa3300"
    links = {(link.get("rel"), link.get("href")) for link in tree.iter(f"{{{NS['h']}}}link")}
    assert {("icon", "/favicon.ico"), ("apple-touch-icon", "/apple-touch-icon.png"),
            ("manifest", "/manifest.webmanifest")} <= links  # fmt: skip


def test_the_default_share_image_is_used_only_where_a_page_has_none(client):
    site = SiteSettings.objects.get()
    site.share_image = png((1200, 630))
    site.share_image_alt = "The FLSE team at a workshop"
    site.save()
    home = parse(client.get("/"))
    assert meta(home, "property", "og:image") == f"http://testserver{site.share_image.url}"
    assert meta(home, "name", "twitter:image:alt") == "The FLSE team at a workshop"
    assert meta(home, "name", "twitter:card") == "summary_large_image"

    picture = LibraryImage.objects.create(
        title="Blue", file=png((800, 400), (0, 0, 200, 255)), alt="A blue square"
    )
    post = make_post("Illustrated", hero_image=picture)
    page = parse(client.get(post.get_absolute_url()))
    assert meta(page, "property", "og:image") == f"http://testserver{picture.file.url}"
    assert meta(page, "property", "og:image:alt") == "A blue square"


def test_without_a_share_image_no_og_image_is_invented(client):
    assert meta(parse(client.get("/")), "property", "og:image") is None


def icon(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response, Image.open(io.BytesIO(response.content))


@pytest.mark.parametrize(
    "url, content_type, size",
    [
        ("/favicon.ico", "image/x-icon", (48, 48)),
        ("/apple-touch-icon.png", "image/png", (180, 180)),
        ("/icons/icon-192.png", "image/png", (192, 192)),
        ("/icons/icon-512.png", "image/png", (512, 512)),
    ],
)
def test_icons_are_real_images_of_the_right_size_and_cacheable(client, url, content_type, size):
    response, image = icon(client, url)
    assert response["Content-Type"] == content_type
    assert image.size == size
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response.has_header("ETag")


def test_the_favicon_holds_the_three_classic_sizes(client):
    _, image = icon(client, "/favicon.ico")
    assert image.format == "ICO"
    assert sorted(image.info["sizes"]) == [(16, 16), (32, 32), (48, 48)]


def test_icons_are_made_from_the_logo_and_change_with_it(client):
    _, default = icon(client, "/icons/icon-192.png")
    assert default.convert("RGB").getpixel((96, 20)) == (11, 85, 99)  # the shipped default
    site = SiteSettings.objects.get()
    site.logo = png((400, 400), (200, 30, 30, 255))
    site.logo_alt = "Logo"
    site.save()
    _, made = icon(client, "/icons/icon-192.png")
    assert made.convert("RGB").getpixel((96, 96)) == (200, 30, 30)  # the logo, centred
    assert made.convert("RGB").getpixel((2, 2)) == (255, 255, 255)  # padded on white
    _, touch = icon(client, "/apple-touch-icon.png")
    assert touch.mode == "RGB"  # opaque: iOS paints transparency black


def test_icons_are_rendered_once_and_then_served_from_the_cache(client, monkeypatch):
    icon(client, "/icons/icon-512.png")
    from flse_hub.site import icons

    def must_not_render(*args, **kwargs):
        raise AssertionError("re-rendered")

    monkeypatch.setattr(icons, "_open_source", must_not_render)
    icon(client, "/icons/icon-512.png")


def test_a_missing_logo_file_falls_back_to_the_default_icon(client):
    site = SiteSettings.objects.get()
    site.logo = png((400, 400))
    site.logo_alt = "Logo"
    site.save()
    site.logo.storage.delete(site.logo.name)
    _, image = icon(client, "/icons/icon-192.png")
    assert image.convert("RGB").getpixel((96, 20)) == (11, 85, 99)


def test_other_icon_sizes_are_not_found(client):
    assert client.get("/icons/icon-100.png").status_code == 404


def test_the_manifest_names_the_site_its_icons_and_colours(client):
    fill_settings(site_name="FLSE Learning Hub", short_name="FLSE Hub", theme_colour="#123abc")
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json; charset=utf-8"
    manifest = json.loads(response.content)
    assert manifest["name"] == "FLSE Learning Hub"
    assert manifest["short_name"] == "FLSE Hub"
    assert manifest["theme_color"] == "#123abc"
    assert manifest["background_color"] == "#ffffff"
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    for entry in manifest["icons"]:
        _, image = icon(client, entry["src"])
        assert entry["sizes"] == f"{image.width}x{image.height}"


# --- Demo values, loaded once -------------------------------------------------------------


def run_loader():
    call_command("load_demo_content", stdout=io.StringIO())


def test_demo_values_come_from_the_seed_and_menus_from_the_brief(client):
    run_loader()
    site = SiteSettings.objects.get()
    assert site.organisation_name == "Fulfilling Lives South East"
    assert "The National Lottery Community Fund" in site.funder_line
    # Not in the seed: left empty, so the public sees nothing and staff see placeholders.
    assert (site.charity_number, site.company_number, site.postal_address) == ("", "", "")
    assert [(link.label, link.address) for link in HeaderLink.objects.all()] == [
        ("Posts", "/posts/"), ("Topics", "/topics/"), ("About", "/about/"),
        ("Newsletter", "/newsletter/"),
    ]  # fmt: skip
    assert [link.label for link in FooterLink.objects.all()] == [
        "About", "Contact", "Accessibility statement", "Privacy notice"
    ]  # fmt: skip
    assert DemoContentLoad.objects.filter(name=demo.DEMO_NAME).exists()


def test_demo_values_are_loaded_once_and_never_undo_staff_edits():
    run_loader()
    site = SiteSettings.objects.get()
    site.funder_line = "Our own words"
    site.save()
    HeaderLink.objects.filter(label="Newsletter").delete()
    run_loader()
    assert SiteSettings.objects.get().funder_line == "Our own words"
    assert not HeaderLink.objects.filter(label="Newsletter").exists()
