"""manage.py import_wordpress: WordPress's own test export, and handmade exports for each
edge case (a re-run, a later export, missing media, hostile markup, dry run, permissions)."""

import io
from datetime import UTC, datetime

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse
from reversion.models import Version

from flse_hub.site.models import Page, Redirect
from flse_hub.wordpress.models import ImportedItem
from flse_hub.wordpress.wxr import read_export
from people.models import Person
from posts.media.models import Image
from posts.models import Post, Topic
from tests.media.conftest import stored_files
from tests.wordpress import wxr
from tests.wordpress.conftest import jpeg_bytes, shared_export

pytestmark = pytest.mark.django_db


def counts():
    return {
        "posts": Post.objects.count(),
        "pages": Page.objects.count(),
        "people": Person.objects.count(),
        "topics": Topic.objects.count(),
        "images": Image.objects.count(),
        "redirects": Redirect.objects.count(),
        "records": ImportedItem.objects.count(),
        "versions": Version.objects.count(),
    }


def test_wordpress_theme_test_export_imports_every_post_and_page(run_import, client):
    path = shared_export()
    export = read_export(path)
    wanted = {(i.type, i.id) for i in export.items if i.type in ("post", "page")}
    assert len([w for w in wanted if w[0] == "post"]) == 58
    assert len([w for w in wanted if w[0] == "page"]) == 21

    pages_before = Page.objects.count()  # the privacy notice a migration writes
    out = run_import(path.read_text(encoding="utf-8"), "--no-download")

    imported = set(
        ImportedItem.objects.filter(kind__in=["post", "page"]).values_list("kind", "wordpress_id")
    )
    assert imported == {(kind, str(pk)) for kind, pk in wanted}
    assert Post.objects.count() == 58 and Page.objects.count() - pages_before == 21
    # Published in WordPress → published here (55), the future one scheduled; the draft
    # and the password-protected post stay drafts.
    assert Post.objects.published().count() == 55
    assert Post.objects.filter(status="published").count() == 56
    assert "posts: 58 created" in out and "pages: 21 created" in out
    # What the hub has no place for is reported, with the item it came from.
    assert "70 menu items not carried over" in out
    assert "post “Template: Comments” (WordPress id 1148): 20 comments not carried over" in out
    assert "file not imported" in out  # the attachments' addresses cannot be reached
    assert Person.objects.count() == 2
    # A post's old address answers with a permanent redirect to its new one.
    post = Post.objects.get(slug="markup-html-tags-and-formatting")
    response = client.get("/2013/01/11/markup-html-tags-and-formatting/")
    assert (response.status_code, response["Location"]) == (301, post.get_absolute_url())
    assert client.get(post.get_absolute_url()).status_code == 200

    before = counts()
    again = run_import(path.read_text(encoding="utf-8"), "--no-download")
    assert "Total: 0 created, 0 updated" in again
    assert counts() == before


def test_posts_authors_topics_and_old_addresses(run_import, editor, client):
    out = run_import(
        wxr.export(
            wxr.item(
                11,
                "Housing first, &amp; after",
                slug="housing-first",
                excerpt="What we learnt.",
                content="First paragraph.\n\nSecond <em>line</em>\nbroken.",
                modified="2021-05-06 07:08:09",
                terms=[("category", "news", "News"), ("post_tag", "housing", "Housing")],
            ),
            wxr.item(
                12,
                "Our team",
                type="page",
                slug="team",
                link=f"{wxr.SITE}/about/team/",
                content="<h1>Who</h1>\n<h2>Staff</h2>\n<h6>Small print</h6>\n"
                "We are <strong>few</strong>.\nLine two\n\n<ul>\n<li>one</li>\n</ul>",
            ),
        )
    )
    post = Post.objects.get(slug="housing-first")
    assert post.title == "Housing first, & after"
    assert post.standfirst == "What we learnt."
    assert post.body == "<p>First paragraph.</p>\n<p>Second <em>line</em><br>\nbroken.</p>"
    assert post.is_published and post.published_at == datetime(2021, 3, 4, 10, tzinfo=UTC)
    # Readers see when it last changed in WordPress, not the day of the import.
    assert post.updated_at == datetime(2021, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert sorted(post.topics.values_list("name", flat=True)) == ["Housing", "News"]
    assert [c.person.name for c in post.credits.all()] == ["Alice Ames"]
    assert post.created_by == editor
    # People are people, not logins.
    assert not type(editor).objects.filter(username="alice").exists()
    # The import is in the post's history under the user who ran it.
    assert {v.revision.user for v in Version.objects.get_for_object(post)} == {editor}
    page = Page.objects.get(slug="team")
    # The page's title is its h1: the body's headings move down a level, h6 up to h4; lines
    # next to block elements get no <br>.
    assert page.body == (
        "<h2>Who</h2>\n<h3>Staff</h3>\n<h4>Small print</h4>\n<p>We are <strong>few</strong>.<br>\n"
        "Line two</p>\n<ul>\n<li>one</li>\n</ul>"
    )
    assert page.is_published
    assert Version.objects.get_for_object(page).get().revision.user == editor
    for old, new in [
        ("/2021/03/housing-first/", "/posts/housing-first/"),
        ("/?p=11", "/posts/housing-first/"),
        ("/about/team/", "/team/"),
        ("/?page_id=12", "/team/"),
    ]:
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, new), old
    assert "posts: 1 created" in out and "No problems." in out


def test_a_second_run_changes_nothing(run_import):
    export = wxr.export(wxr.item(21, "Once"), wxr.item(22, "Twice", type="page", slug="twice"))
    run_import(export)
    before = counts()
    stamps = list(Post.objects.values_list("updated_at", flat=True))
    out = run_import(export)
    assert "Total: 0 created, 0 updated" in out
    assert counts() == before
    assert list(Post.objects.values_list("updated_at", flat=True)) == stamps


def test_a_later_export_updates_what_changed_but_never_an_edit_made_here(run_import, editor):
    run_import(wxr.export(wxr.item(31, "Left alone"), wxr.item(32, "Edited here")))
    edited = Post.objects.get(slug="post-32")
    edited.title = "Edited here, better"
    edited.save()

    out = run_import(
        wxr.export(
            wxr.item(31, "Left alone, then changed in WordPress"),
            wxr.item(32, "Edited here, and in WordPress too"),
            wxr.item(33, "New in WordPress"),
        )
    )
    assert Post.objects.get(slug="post-31").title == "Left alone, then changed in WordPress"
    assert Post.objects.get(slug="post-32").title == "Edited here, better"
    assert Post.objects.get(slug="post-33").is_published
    assert "posts: 1 created, 1 skipped, 1 updated" in out
    assert (
        "post “Edited here, and in WordPress too” (WordPress id 32): changed in WordPress, but "
        "edited in the hub since the import: not overwritten"
    ) in out
    history = Version.objects.get_for_object(Post.objects.get(slug="post-31"))
    assert "Updated from WordPress." in {v.revision.get_comment() for v in history}


def test_media_from_the_uploads_folder_become_library_images_in_figures(run_import, tmp_path):
    uploads = tmp_path / "uploads"
    (uploads / "2021" / "03").mkdir(parents=True)
    (uploads / "2021" / "03" / "bench.jpg").write_bytes(jpeg_bytes())
    (uploads / "2021" / "03" / "fake.jpg").write_bytes(b"<?php echo 'not an image'; ?>")
    body = (
        f'[caption id="attachment_41" align="alignnone" width="300"]<a href="{wxr.SITE}/x/">'
        f'<img src="{wxr.SITE}/wp-content/uploads/2021/03/bench-300x200.jpg" alt="" '
        'onerror="alert(1)"></a> A bench by the canal[/caption]\n\nAfter.'
    )
    out = run_import(
        wxr.export(
            wxr.attachment(41, "2021/03/bench.jpg", title="Bench", alt="A bench by the canal"),
            wxr.attachment(42, "2021/03/fake.jpg", title="Fake"),
            wxr.attachment(43, "2021/03/missing.jpg", title="Missing"),
            wxr.item(40, "With pictures", content=body, meta={"_thumbnail_id": "41"}),
        ),
        "--media-dir",
        str(uploads),
        "--no-download",
    )
    image = Image.objects.get()
    post = Post.objects.get(slug="post-40")
    assert post.hero_image == image
    assert image.alt == "A bench by the canal"
    assert stored_files() and image.file.name.startswith("images/")
    assert post.body == (
        f'<figure><a href="{wxr.SITE}/x/" rel="noopener noreferrer"><img src="{image.file.url}" '
        f'alt="A bench by the canal" width="64" height="48" data-file="{image.pk}"></a>'
        "<figcaption>A bench by the canal</figcaption></figure>\n<p>After.</p>"
    )
    assert "attachment “Fake” (WordPress id 42): file refused" in out
    assert "attachment “Missing” (WordPress id 43): file not imported: not in --media-dir" in out


def test_media_are_downloaded_when_reachable_and_reported_when_not(
    run_import, file_server, settings
):
    settings.WORDPRESS_IMPORT_ALLOW_PRIVATE_NETWORKS = True  # the test's server is loopback
    server, files = file_server
    host = f"http://127.0.0.1:{server.server_address[1]}"
    files["/wp-content/uploads/2022/01/downloaded-import-test.jpg"] = jpeg_bytes((30, 20))
    files["/wp-content/uploads/2022/01/sneaky-import-test.jpg"] = "file:///etc/passwd"
    export = wxr.export(
        wxr.attachment(51, "2022/01/downloaded-import-test.jpg", alt="Downloaded"),
        wxr.attachment(52, "2022/01/gone-import-test.jpg", alt="Gone"),
        wxr.attachment(53, "2022/01/sneaky-import-test.jpg", alt="Sneaky"),
        wxr.item(50, "Downloads", meta={"_thumbnail_id": "51"}),
    ).replace(wxr.SITE + "/wp-content", host + "/wp-content")
    out = run_import(export, "--timeout", "5")
    image = Image.objects.get()
    assert (image.alt, image.width, image.height) == ("Downloaded", 30, 20)
    assert Post.objects.get().hero_image == image
    assert "(WordPress id 52): file not imported: the server answered 404" in out
    assert "(WordPress id 53): file not imported" in out  # urllib refuses the file: redirect


def test_uploads_on_private_or_loopback_addresses_are_never_fetched(run_import, file_server):
    # An export may name any address: the cloud's metadata service, a server on the hub's
    # own network. Here a loopback server that would answer with a real image.
    server, files = file_server
    host = f"http://127.0.0.1:{server.server_address[1]}"
    files["/wp-content/uploads/2022/02/inside-import-test.jpg"] = jpeg_bytes((30, 20))
    export = wxr.export(
        wxr.attachment(71, "2022/02/inside-import-test.jpg", alt="Inside"),
    ).replace(wxr.SITE + "/wp-content", host + "/wp-content")
    out = run_import(export, "--timeout", "5")
    assert Image.objects.count() == 0 and stored_files() == []
    assert "(WordPress id 71): file not imported: could not download it" in out
    assert "127.0.0.1 is on a private or local network" in out


def test_missing_media_are_reported_and_the_import_goes_on(run_import):
    out = run_import(
        wxr.export(
            wxr.attachment(61, "2021/05/lost.jpg", title="Lost"),
            wxr.item(
                60,
                "Lost picture",
                content=f'<p>Text.</p><img src="{wxr.SITE}/wp-content/uploads/2021/05/lost.jpg">',
                meta={"_thumbnail_id": "61"},
            ),
        ),
        "--no-download",
    )
    post = Post.objects.get()
    assert post.hero_image is None and post.body == "<p>Text.</p>"
    assert "no --media-dir given and downloads are off" in out
    assert "an image not in the media library was dropped" in out
    assert Image.objects.count() == 0 and stored_files() == []


def test_hostile_markup_is_cleaned(run_import, client):
    nested = "<div>" * 5000 + "deep" + "</div>" * 5000
    body = (
        "<p>Hello<script>alert(1)</script></p>"
        '<p><a href="javascript:alert(2)">click</a> <a href="https://ok.example/">ok</a></p>'
        '<img src="x" onerror="alert(3)">'
        '<img src="/media/images/ab/forged.jpg" data-file="1">'
        "<iframe src='https://evil.example/'></iframe><style>body{}</style>"
        '<p style="color:red" onclick="alert(4)">styled</p>' + nested
    )
    out = run_import(
        wxr.export(wxr.item(70, "<b>Bold</b> title", content=body, excerpt="<i>x</i>"))
    )
    post = Post.objects.get()
    for forbidden in (
        "script",
        "onerror",
        "onclick",
        "javascript:",
        "iframe",
        "<style",
        "style=",
        "<img",
        "data-file",
    ):
        assert forbidden not in post.body, forbidden
    assert "deep" in post.body and '<a href="https://ok.example/"' in post.body
    assert post.title == "Bold title" and post.standfirst == "x"
    assert client.get(post.get_absolute_url()).status_code == 200
    assert "an image not in the media library was dropped" in out


def test_shortcodes_and_block_comments_become_plain_html_or_a_report_line(run_import):
    body = (
        "<!-- wp:paragraph --><p>Kept.</p><!-- /wp:paragraph -->"
        "<!-- wp:latest-posts /-->"
        "[embed]https://video.example/watch?v=1[/embed]"
        "<p>[[gallery]] is how you write it; [sic] stays.</p>"
        '[columns count="2"]<p>Inside.</p>[/columns]'
        '[contact-form-7 id="5"]'
        '[audio mp3="https://old.example.org/a.mp3"]'
    )
    out = run_import(wxr.export(wxr.item(80, "Codes", content=body)))
    post = Post.objects.get()
    assert post.body == (
        "<p>Kept.</p>"
        '<p><a href="https://video.example/watch?v=1" rel="noopener noreferrer">'
        "https://video.example/watch?v=1</a></p>"
        "<p>[gallery] is how you write it; [sic] stays.</p><p>Inside.</p>"
        '<p><a href="https://old.example.org/a.mp3" rel="noopener noreferrer">'
        "https://old.example.org/a.mp3</a></p>"
    )
    assert post.standfirst == "Kept."  # no excerpt: the first paragraph stands in
    label = "post “Codes” (WordPress id 80)"
    for line in [
        "dynamic blocks not carried over (WordPress drew them from its database): wp:latest-posts",
        "an [embed] became a link to what it showed",
        "the shortcode [columns] was removed; the text inside it was kept",
        "the shortcode [contact-form-7] was dropped",
        "a [audio] player became a link to its file",
    ]:
        assert f"{label}: {line}" in out


def test_dry_run_writes_nothing(run_import, tmp_path):
    uploads = tmp_path / "up"
    (uploads / "2021/03").mkdir(parents=True)
    (uploads / "2021/03/a.jpg").write_bytes(jpeg_bytes())
    before = counts()
    out = run_import(
        wxr.export(
            wxr.attachment(91, "2021/03/a.jpg", alt="A"),
            wxr.item(90, "Dry", meta={"_thumbnail_id": "91"}),
        ),
        "--dry-run",
        "--media-dir",
        str(uploads),
    )
    assert counts() == before
    assert stored_files() == []
    assert "nothing was saved" in out and "posts: 1 created" in out and "media: 1 created" in out


def test_a_writer_imports_drafts_only_and_is_told_so(run_import, writer):
    out = run_import(
        wxr.export(wxr.item(101, "Live in WordPress"), wxr.item(102, "A page", type="page")),
        user=writer,
    )
    post = Post.objects.get()
    assert post.status == "draft" and not Post.objects.published().exists()
    assert post.published_at == datetime(2021, 3, 4, 10, tzinfo=UTC)  # kept for the editor
    assert not Page.objects.filter(title="A page").exists() and Redirect.objects.count() == 0
    assert Person.objects.count() == 0 and Topic.objects.count() == 0
    assert (
        "(WordPress id 101): published in WordPress; imported as a draft, as you may not publish"
        in out
    )
    assert "you may not add pages: WordPress pages are not imported" in out
    assert "you may not add people" in out


def test_a_user_who_may_not_add_posts_is_refused(run_import, django_user_model):
    user = django_user_model.objects.create_user("viewer", is_staff=True)
    with pytest.raises(CommandError, match="may not add posts"):
        run_import(wxr.export(wxr.item(111, "No")), user=user)
    with pytest.raises(CommandError, match="no active staff user"):
        run_import(wxr.export(wxr.item(111, "No")), user=django_user_model(username="ghost"))
    assert Post.objects.count() == 0


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "Cannot read"),
        ("this is not xml", "not well-formed XML"),
        ("<rss><channel><title>Feed</title></channel></rss>", "not a WordPress export"),
        (
            '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
            "<rss><channel>&b;</channel></rss>",
            "declares XML entities",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            "<rss><channel>&x;</channel></rss>",
            "declares XML entities",
        ),
    ],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(tmp_path, editor, content, message):
    path = tmp_path / "export.xml"
    if content is not None:
        path.write_text(content)
    before = counts()
    with pytest.raises(CommandError, match=message):
        call_command("import_wordpress", str(path), "--user", editor.username, stdout=io.StringIO())
    assert counts() == before


def test_a_failure_half_way_leaves_nothing_behind(run_import, tmp_path, monkeypatch):
    from flse_hub.wordpress import importer

    uploads = tmp_path / "up"
    (uploads / "2021/03").mkdir(parents=True)
    (uploads / "2021/03/a.jpg").write_bytes(jpeg_bytes())

    def broken(self):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(importer.Importer, "report_not_carried_over", broken)
    before = counts()
    with pytest.raises(RuntimeError):
        run_import(
            wxr.export(wxr.attachment(121, "2021/03/a.jpg", alt="A"), wxr.item(120, "Half")),
            "--media-dir",
            str(uploads),
        )
    assert counts() == before and stored_files() == []
    assert not default_storage.exists("images") or stored_files() == []


def test_the_admin_lists_imported_items_read_only(run_import, admin_client):
    run_import(wxr.export(wxr.item(131, "Listed")))
    record = ImportedItem.objects.get(kind="post")
    changelist = admin_client.get(reverse("admin:wordpress_importeditem_changelist"))
    assert changelist.status_code == 200 and "Listed" in changelist.text
    assert admin_client.get(reverse("admin:wordpress_importeditem_add")).status_code == 403
    change = reverse("admin:wordpress_importeditem_change", args=[record.pk])
    assert admin_client.post(change, {"source_hash": "x"}).status_code == 403
    assert ImportedItem.objects.get(pk=record.pk).source_hash == record.source_hash
