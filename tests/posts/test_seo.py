"""sitemap.xml, robots.txt, canonical links, social metadata and JSON-LD."""

import json
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from lxml import etree, html

from posts.media.models import Image as LibraryImage
from tests.factories import make_person, make_post, make_topic

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def site():
    alan = make_person("Alan Wallace")
    hidden = make_person("Hidden Writer")
    lonely = make_person("Draft Only")
    topic = make_topic("Co-production")
    empty_topic = make_topic("Nothing public")
    public = make_post("Joined up support", authors=[alan], topics=[topic])
    anonymous = make_post(
        "Seeing the whole person",
        authors=[(hidden, {"anonymous": True, "public_label": "Anonymous team member"})],
        topics=[topic],
    )
    make_post("Secret draft", published=False, authors=[lonely], topics=[empty_topic])
    make_post("Future", published_at=timezone.now() + timedelta(days=1), topics=[empty_topic])
    return locals()


def sitemap_entries(client):
    """{address: lastmod} of every page of every section the sitemap index lists."""
    index = client.get(reverse("sitemap"))
    assert index.status_code == 200
    assert index["Content-Type"].startswith("application/xml")
    entries = {}
    for section in etree.fromstring(index.content).xpath(
        "//s:sitemap/s:loc/text()", namespaces=SITEMAP_NS
    ):
        response = client.get(section.removeprefix("http://testserver"))
        assert response.status_code == 200, section
        assert response["Content-Type"].startswith("application/xml")
        for url in etree.fromstring(response.content).findall("s:url", SITEMAP_NS):
            entries[url.findtext("s:loc", namespaces=SITEMAP_NS)] = url.findtext(
                "s:lastmod", namespaces=SITEMAP_NS
            )
    return entries


def test_sitemap_lists_exactly_the_public_pages_with_lastmod(client, site):
    entries = sitemap_entries(client)
    base = "http://testserver"
    expected = {
        reverse("posts:home"), reverse("posts:list"), reverse("posts:topics"),
        site["public"].get_absolute_url(), site["anonymous"].get_absolute_url(),
        site["topic"].get_absolute_url(), site["alan"].get_absolute_url(),
        "/privacy/",  # the privacy notice page, which the migrations make
    }  # fmt: skip
    assert set(entries) == {base + path for path in expected}
    # Drafts, scheduled posts, empty topics and people without public posts are absent.
    assert not any(
        "secret-draft" in u or "hidden-writer" in u or "draft-only" in u for u in entries
    )
    post_lastmod = entries[base + site["public"].get_absolute_url()]
    assert post_lastmod == site["public"].updated_at.date().isoformat()
    assert all(entries.values())


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_the_admin(client):
    response = client.get(reverse("robots-txt"))
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert f"Disallow: {reverse('admin:index')}" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def canonical(client, url):
    doc = html.fromstring(client.get(url).content)
    return doc.xpath("//link[@rel='canonical']/@href")


def test_canonical_links_are_absolute_and_drop_tracking_parameters(client, site):
    post_url = site["public"].get_absolute_url()
    assert canonical(client, post_url + "?utm_source=news&fbclid=x") == [
        "http://testserver" + post_url
    ]
    assert canonical(client, reverse("posts:list") + "?topic=co-production&utm_medium=x") == [
        "http://testserver/posts/?topic=co-production"
    ]
    assert canonical(client, reverse("posts:home")) == ["http://testserver/"]


def test_paginated_pages_canonicalise_to_themselves(client, site):
    for i in range(11):
        make_post(f"Filler {i}", topics=[site["topic"]])
    assert canonical(client, reverse("posts:list") + "?page=2") == [
        "http://testserver/posts/?page=2"
    ]
    assert canonical(client, reverse("posts:list") + "?page=1") == ["http://testserver/posts/"]


def meta(doc, key):
    return doc.xpath(f"//meta[@property='{key}' or @name='{key}']/@content")


def test_post_page_has_social_metadata_and_json_ld(client, settings, tmp_path, site):
    settings.MEDIA_ROOT = tmp_path
    post = make_post(
        "Pictured </script><b>post",
        seo_description="A short description.",
        authors=[site["alan"], (site["hidden"], {"anonymous": True, "public_label": "A peer"})],
        # A whole 1 x 1 GIF: uploads are decoded and re-encoded, so a header alone is refused.
        hero_image=LibraryImage.objects.create(
            title="Bench",
            file=SimpleUploadedFile(
                "hero.gif",
                b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00"
                b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
            ),
            alt="Two people talking on a bench",
        ),
        doi="10.1108/HCS-12-2021-0043",
    )
    response = client.get(post.get_absolute_url())
    doc = html.fromstring(response.content)
    assert meta(doc, "description") == ["A short description."]
    assert meta(doc, "og:type") == ["article"]
    assert meta(doc, "og:title") == ["Pictured </script><b>post"]
    assert meta(doc, "og:image")[0].startswith("http://testserver/")
    assert meta(doc, "og:image:alt") == ["Two people talking on a bench"]
    assert meta(doc, "twitter:card") == ["summary_large_image"]
    assert meta(doc, "twitter:image:alt") == ["Two people talking on a bench"]

    # The title cannot close the script element: < > & are escaped inside it.
    text = response.content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    assert "</script><b>" not in block.group(1)
    data = json.loads(block.group(1))
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Pictured </script><b>post"
    assert data["description"] == "A short description."
    assert data["datePublished"] == post.published_at.isoformat()
    assert data["dateModified"]
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Alan Wallace",
            "url": "http://testserver/people/alan-wallace/",
        },
        {"@type": "Organization", "name": "A peer"},
    ]
    assert data["publisher"] == {"@type": "Organization", "name": settings.ORGANISATION_NAME}
    assert data["url"] == "http://testserver" + post.get_absolute_url()
    assert data["image"]["url"] == meta(doc, "og:image")[0]
    assert "Hidden Writer" not in text


def test_draft_preview_for_staff_has_no_citation_or_json_ld(staff_client):
    draft = make_post("Draft", published=False)
    text = staff_client.get(draft.get_absolute_url()).content.decode()
    assert "application/ld+json" not in text and "citation_title" not in text


def test_the_sitemap_is_an_index_of_small_pages_each_cheap(
    client, settings, monkeypatch, django_assert_max_num_queries
):
    from posts.sitemaps import PostSitemap

    settings.PAGE_CACHE_SECONDS = 0  # each page rendered, not kept whole
    monkeypatch.setattr(PostSitemap, "limit", 2)
    posts = [make_post(f"Post number {i}") for i in range(5)]
    index = etree.fromstring(client.get(reverse("sitemap")).content)
    sections = index.xpath("//s:sitemap/s:loc/text()", namespaces=SITEMAP_NS)
    posts_section = "http://testserver" + reverse("sitemap-section", kwargs={"section": "posts"})
    assert [s for s in sections if s.startswith(posts_section)] == [
        posts_section, posts_section + "?p=2", posts_section + "?p=3"
    ]  # fmt: skip
    listed = []
    for page in (1, 2, 3):
        url = posts_section.removeprefix("http://testserver") + f"?p={page}"
        client.get(url)  # the archive's figures for this content version, once
        with django_assert_max_num_queries(2):  # the content version, and this page's posts
            response = client.get(url)
        listed += etree.fromstring(response.content).xpath("//s:loc/text()", namespaces=SITEMAP_NS)
    assert listed == ["http://testserver" + p.get_absolute_url() for p in reversed(posts)]
    for page in ("4", "0", "abc"):
        url = posts_section.removeprefix("http://testserver") + f"?p={page}"
        assert client.get(url).status_code == 404, page
    assert client.get("/sitemap-nothing.xml").status_code == 404
    with django_assert_max_num_queries(5):  # warm: the version, and the site pages' two
        client.get(reverse("sitemap"))
