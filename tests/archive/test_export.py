"""manage.py export_static: the demo site as a folder that works with no server."""

import io
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from lxml import etree, html

from flse_hub.archive import addresses
from flse_hub.archive.check import broken_links
from flse_hub.site.models import Redirect, SiteSettings
from posts.models import Post
from tests.factories import make_post
from tests.test_renditions import pictured_post

pytestmark = pytest.mark.django_db

BASE_URL = "https://archive.example.org"


@pytest.fixture
def demo_site(media_storage):
    """The demo content and a post with a picture and renditions (local disk, or S3 with
    FLSE_TEST_MEDIA_STORAGE=s3: uploads on another host are copied into the archive)."""
    call_command("load_demo_content", stdout=io.StringIO())
    post = pictured_post("A post with a picture", standfirst="Seen from the pier.")
    call_command("make_renditions", "--now", stdout=io.StringIO())
    return post


def export(folder):
    out = io.StringIO()
    call_command("export_static", str(folder), "--base-url", BASE_URL, stdout=out)
    return out.getvalue()


def live_urls(client):
    """What the live site offers: every sitemap entry, list page, feed and citation."""
    urls = set()
    sitemaps = ["/sitemap.xml"]
    while sitemaps:
        sitemap = urlsplit(sitemaps.pop())
        response = client.get(
            sitemap.path, query_params=dict([sitemap.query.split("=")]) if sitemap.query else None
        )
        assert response.status_code == 200
        for loc in etree.fromstring(response.content).iter("{*}loc"):
            address = urlsplit(loc.text)
            if address.path.endswith(".xml"):
                sitemaps.append(loc.text)
            urls.add((address.path, address.query))
    lists = [reverse("posts:list"), reverse("posts:topics")] + [
        path for path, _query in urls if path.startswith(("/topics/", "/people/"))
    ]
    for start in lists:
        page = start
        while page:
            response = client.get(page)
            assert response.status_code == 200, page
            tree = html.fromstring(response.content)
            for feed in tree.xpath("//link[@rel='alternate']/@href"):
                urls.add((urlsplit(feed).path, ""))
            address = urlsplit(page)
            urls.add((address.path, address.query))
            following = tree.xpath("//a[@rel='next']/@href")
            page = f"{address.path}{following[0]}" if following else None
    for post in Post.objects.published():
        urls.add((reverse("posts:cite-bibtex", args=[post.slug]), ""))
        urls.add((reverse("posts:cite-ris", args=[post.slug]), ""))
    return urls


def present(root, path, query):
    name = addresses.folder_path(path, query)
    target = root / name
    if name.endswith("/") or name == "":
        return (target / "index.html").is_file() or (target / "index.xml").is_file()
    return target.is_file()


def test_the_demo_site_exported_whole_with_no_broken_link_and_no_form_posting(
    client, demo_site, tmp_path
):
    """One export (they take seconds) checked for everything a reader relies on."""
    SiteSettings.objects.filter(pk=1).update(
        contact_email="hello@example.org", contact_phone="01273 000 000"
    )
    Redirect.objects.create(old_path="/old-news/", target=demo_site.get_absolute_url())
    root = tmp_path / "archive"
    output = export(root)

    # Every address the live site offers is there, and every link in the folder works.
    assert "0 broken links" in output
    assert broken_links(root, BASE_URL) == []
    expected = live_urls(client)
    assert len(expected) > 100
    missing = sorted(
        f"{path}?{query}" for path, query in expected if not present(root, path, query)
    )
    assert missing == []

    post_page = (root / "posts" / demo_site.slug / "index.html").read_text()
    tree = html.fromstring(post_page)
    # The picture's renditions came along, linked relatively.
    sources = tree.xpath("//main//img/@srcset | //main//source/@srcset")
    assert sources
    for candidate in ", ".join(sources).split(","):
        link = candidate.split()[0]
        assert link.startswith("../../media/")
        assert (root / "posts" / demo_site.slug / link).resolve().is_file()
    # Every link is relative (works from any folder) or absolute to the archive's address.
    for link in addresses.attribute_urls(post_page):
        assert not link.startswith("/"), link
    assert tree.xpath("//main[@data-pagefind-body]")

    # An address staff redirected sends the reader on, with no script.
    moved = html.fromstring((root / "old-news" / "index.html").read_bytes())
    link = f"../posts/{demo_site.slug}/index.html"
    assert moved.xpath("//meta[@http-equiv='refresh']/@content") == [f"0; url={link}"]
    assert moved.xpath("//a/@href") == [link]

    # No form posts to a server that is gone; the newsletter box says where to go.
    for page in root.rglob("*.html"):
        tree = html.fromstring(page.read_bytes())
        for form in tree.xpath("//form"):
            assert form.get("method", "get").lower() == "get", page
            assert (page.parent / form.get("action")).resolve() == root / "search" / "index.html"
        assert not tree.xpath("//input[@type='email']"), page
    home = html.fromstring((root / "index.html").read_bytes())
    box = " ".join(home.xpath("//section[contains(@class,'newsletter-box')]//text()"))
    assert "The newsletter has ended" in box
    assert "hello@example.org" in box and "01273 000 000" in box
    # The live site still has its signup form: the archive's changes stay in the archive.
    assert b'name="email"' in client.get("/").content
    # The menu's Newsletter link leads to a page that says what happened to it.
    menu = home.xpath("//a[normalize-space()='Newsletter']/@href")
    assert menu == ["_archive/index.html"]
    assert "About this archive" in (root / "_archive" / "index.html").read_text()
    # Search runs on Pagefind's index, shipped in the folder.
    assert (root / "pagefind" / "pagefind.js").is_file()
    search = (root / "search" / "index.html").read_text()
    assert 'src="../static/js/archive-search.js"' in search


def test_two_exports_of_the_same_content_differ_only_in_the_build_date(demo_site, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    export(first)
    export(second)

    def files(root):
        return {
            path.relative_to(root).as_posix(): path.read_bytes()
            for path in root.rglob("*")
            if path.is_file()
        }

    one, two = files(first), files(second)
    assert one.keys() == two.keys()
    assert len(one) > 150
    differing = sorted(name for name in one if one[name] != two[name])
    assert differing in ([], ["archive.json"])
    info_one, info_two = json.loads(one["archive.json"]), json.loads(two["archive.json"])
    info_one.pop("built_at"), info_two.pop("built_at")
    assert info_one == info_two


def test_the_folder_must_be_new_empty_or_an_earlier_archive(demo_site, tmp_path):
    keep = tmp_path / "notes"
    keep.mkdir()
    (keep / "mine.txt").write_text("not an archive")
    with pytest.raises(CommandError, match="not empty"):
        export(keep)
    assert (keep / "mine.txt").read_text() == "not an archive"
    with pytest.raises(CommandError, match="origin"):
        call_command("export_static", str(tmp_path / "new"), "--base-url", "hub.example.org/x")

    # An earlier archive (it has archive.json) is replaced whole.
    again = tmp_path / "again"
    again.mkdir()
    (again / "archive.json").write_text("{}")
    (again / "stale.html").write_text("from an older export")
    export(again)
    assert not (again / "stale.html").exists()
    assert (again / "index.html").is_file()


@pytest.mark.parametrize(
    ("path", "query", "kind", "expected"),
    [
        ("/", "", "text/html", "index.html"),
        ("/posts/a-post/", "", "text/html; charset=utf-8", "posts/a-post/index.html"),
        ("/posts/", "page=3", "text/html", "posts/page/3/index.html"),
        (
            "/posts/",
            "year=2020&topic=women",
            "text/html",
            "posts/_/topic-women-year-2020/index.html",
        ),
        ("/feeds/atom/", "", "application/atom+xml", "feeds/atom/index.xml"),
        ("/sitemap-posts.xml", "p=2", "application/xml", "sitemap-posts--p-2.xml"),
        ("/posts/a-post/cite.bib", "", "application/x-bibtex", "posts/a-post/cite.bib"),
        ("/posts/../../etc/passwd", "", "text/html", None),
    ],
)
def test_each_address_has_one_file(path, query, kind, expected):
    assert addresses.file_path(path, query, kind) == expected


def test_links_are_relative_to_the_linking_file():
    assert (
        addresses.relative("posts/a/index.html", "topics/b/index.html")
        == "../../topics/b/index.html"
    )
    assert addresses.relative("index.html", "posts/index.html", "top") == "posts/index.html#top"
    assert Path(addresses.relative("posts/page/2/index.html", "index.html")) == Path(
        "../../../index.html"
    )


def test_an_odd_link_to_the_media_host_is_reported_not_fatal(settings, tmp_path):
    # Uploads on another host are copied in by name; a body link there that cannot be a
    # file name (../, a hidden name) is a line in the report, and the export goes on.
    settings.MEDIA_URL = "https://media.example.org/media/"
    make_post(
        "Odd links",
        body='<p><a href="https://media.example.org/media/../secret.txt">up</a> '
        '<a href="https://media.example.org/media/.hidden/f.pdf">hidden</a></p>',
    )
    err = io.StringIO()
    call_command(
        "export_static", str(tmp_path / "a"), "--base-url", BASE_URL,
        stdout=io.StringIO(), stderr=err,
    )  # fmt: skip
    assert "Not exported: /media/../secret.txt cannot be a file name" in err.getvalue()
    assert "Not exported: /media/.hidden/f.pdf cannot be a file name" in err.getvalue()
    assert (tmp_path / "a" / "posts" / "odd-links" / "index.html").is_file()
