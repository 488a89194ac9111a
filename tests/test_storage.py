"""Media in S3-compatible object storage (MEDIA_STORAGE_URL), against a real SeaweedFS:
issue 9's upload guarantees hold there too, and pages never wait on the store."""

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from lxml import html

from flse_hub.env import media_storage
from flse_hub.media import media_headers
from flse_hub.renditions.models import Rendition
from posts.media.models import Document
from posts.media.models import Image as LibraryImage
from posts.models import Resource
from tests.factories import make_post
from tests.people.helpers import run_worker
from tests.s3 import fetch, s3_url, use_s3
from tests.uploads_corpus import MINIMAL_PDF, image

BASE_DIR = Path(__file__).resolve().parent.parent


def library_image(upload):
    return LibraryImage.objects.create(title="A bench", alt="A bench", file=upload)


def test_media_storage_url_is_parsed_into_storage_options():
    assert media_storage("") is None
    assert media_storage(None) is None
    parsed = media_storage(
        "s3://AK%2FID:se%2Bcret@s3.eu-west-2.amazonaws.com/flse-media"
        "?region=eu-west-2&location=uploads"
    )
    options = parsed.backend["OPTIONS"]
    assert parsed.backend["BACKEND"] == "flse_hub.storage.MediaS3Storage"
    assert (options["access_key"], options["secret_key"]) == ("AK/ID", "se+cret")
    assert options["endpoint_url"] == "https://s3.eu-west-2.amazonaws.com"
    assert (options["bucket_name"], options["region_name"]) == ("flse-media", "eu-west-2")
    assert options["querystring_auth"] is False and options["file_overwrite"] is True
    assert parsed.media_url == "https://s3.eu-west-2.amazonaws.com/flse-media/uploads/"
    assert parsed.origin == "https://s3.eu-west-2.amazonaws.com"

    cdn = media_storage("s3://k:s@minio.internal:9000/media?custom_domain=media.example.org")
    assert cdn.backend["OPTIONS"]["custom_domain"] == "media.example.org"
    assert (cdn.media_url, cdn.origin) == (
        "https://media.example.org/",
        "https://media.example.org",
    )

    virtual = media_storage("s3://k:s@s3.example.net/bucket?addressing_style=virtual")
    assert virtual.origin == "https://bucket.s3.example.net"

    local = media_storage("s3+http://k:s@127.0.0.1:8333/media")
    assert local.backend["OPTIONS"]["endpoint_url"] == "http://127.0.0.1:8333"
    # No credentials: boto3's own chain (environment, instance role) finds them.
    assert media_storage("s3://s3.example.net/media").backend["OPTIONS"]["access_key"] is None

    for bad in [
        "file:///var/media",
        "s3://k:s@host",  # no bucket
        "s3://k:s@host/a/b",  # a bucket name has no slash; use location=
        "s3://k:s@host/media?regoin=eu-west-2",  # misspelt option
        "s3://k:s@host/media?custom_domain=https://cdn.example.org/",
        "s3://k:s@host/media?addressing_style=dns",
        "s3://k:s@host:99999/media",
    ]:
        with pytest.raises(ImproperlyConfigured):
            media_storage(bad)


def _settings_with(env):
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings; from django.urls import resolve, Resolver404\n"
        "print(settings.STORAGES['default']['BACKEND'], settings.MEDIA_URL)\n"
        "print(' '.join(str(s) for s in settings.SECURE_CSP['img-src']))\n"
        "try: resolve('/media/posts/a.jpg'); print('routed')\n"
        "except Resolver404: print('not routed')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, capture_output=True, text=True,
        timeout=120,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "flse_hub.settings",
             "FLSE_VAR_DIR": os.environ.get("FLSE_VAR_DIR", str(BASE_DIR / "var")), **env},
    )  # fmt: skip


def test_one_variable_moves_media_to_object_storage_and_its_cdn():
    result = _settings_with(
        {"MEDIA_STORAGE_URL": "s3://k:s@s3.example.net/media?custom_domain=media.example.org"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "flse_hub.storage.MediaS3Storage https://media.example.org/",
        "'self' data: https://media.example.org",
        "not routed",
    ]
    both = _settings_with(
        {"MEDIA_STORAGE_URL": "s3://k:s@h/m", "DJANGO_MEDIA_URL": "https://cdn.example.org/"}
    )
    assert both.returncode != 0 and "not both" in both.stderr


@pytest.fixture
def s3(settings, seaweedfs, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "never-used"
    return use_s3(settings, seaweedfs)


@pytest.mark.django_db
def test_uploads_on_s3_are_checked_renamed_and_carry_their_headers(s3, settings):
    hero = library_image(SimpleUploadedFile("bench.png", image("PNG")))
    post = make_post("On S3", hero_image=hero)
    document = Document.objects.create(
        title="Report", file=SimpleUploadedFile("report.pdf", MINIMAL_PDF)
    )
    Resource.objects.create(post=post, title="Report", kind=Resource.Kind.REPORT, document=document)
    assert hero.file.name.startswith("images/") and "bench" not in hero.file.name
    assert document.file.name.startswith("documents/") and "report" not in document.file.name
    assert not (settings.MEDIA_ROOT).exists()  # nothing went to local disk

    url = hero.file.url
    assert url.startswith(f"{s3.media_url}images/")
    status, headers, body = fetch(url)
    assert status == 200
    assert headers["Content-Type"] == "image/png"
    assert headers["Cache-Control"] == "public, max-age=86400"
    assert "attachment" not in (headers["Content-Disposition"] or "")
    assert body.startswith(b"\x89PNG")

    status, headers, body = fetch(document.file.url)
    assert status == 200 and body == MINIMAL_PDF
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"].startswith("attachment")


@pytest.mark.django_db
def test_refused_uploads_store_nothing_on_s3(s3):
    html_page = SimpleUploadedFile("page.html", b"<html><script>alert(1)</script></html>")
    with pytest.raises(ValidationError):
        Document.objects.create(title="X", file=html_page)
    assert default_storage.listdir("documents") == ([], [])


@pytest.mark.django_db
def test_replaced_and_deleted_files_leave_s3_after_the_commit(
    s3, django_capture_on_commit_callbacks
):
    hero = library_image(SimpleUploadedFile("a.png", image("PNG")))
    run_worker()
    first = hero.file.name
    first_renditions = list(Rendition.objects.values_list("name", flat=True))
    assert first_renditions and all(default_storage.exists(n) for n in first_renditions)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        hero.file = SimpleUploadedFile("b.png", image("PNG", color=(0, 90, 0)))
        hero.save()
    assert default_storage.exists(first)  # not before the commit
    for callback in callbacks:
        callback()
    assert not default_storage.exists(first)
    assert not any(default_storage.exists(n) for n in first_renditions)
    assert fetch(f"{s3.media_url}{first}")[0] == 404
    second = hero.file.name
    with django_capture_on_commit_callbacks(execute=True):
        hero.delete()
    assert not default_storage.exists(second)


@pytest.mark.django_db
def test_renditions_on_s3_are_served_from_the_store_with_their_types(s3, client):
    hero = library_image(SimpleUploadedFile("a.png", image("PNG", size=(900, 450))))
    post = make_post("Pictured", hero_image=hero)
    run_worker()
    assert {(r.format, r.width) for r in Rendition.objects.all()} == {
        ("webp", 400), ("jpg", 400), ("webp", 800), ("jpg", 800), ("webp", 900), ("jpg", 900)
    }  # fmt: skip
    tree = html.fromstring(client.get(post.get_absolute_url()).content)
    [img] = tree.xpath("//img[@class='post__image']")
    assert img.get("src").startswith(f"{s3.media_url}renditions/")
    [source] = tree.xpath("//picture//source")
    for candidate in [*source.get("srcset").split(", "), *img.get("srcset").split(", ")]:
        url = candidate.split(" ")[0]
        status, headers, _ = fetch(url)
        assert status == 200
        assert headers["Content-Type"] == ("image/webp" if url.endswith(".webp") else "image/jpeg")
        assert headers["Cache-Control"] == "public, max-age=86400"


@pytest.mark.django_db
def test_pages_never_wait_on_the_store(settings, client, tmp_path):
    # A store that is not there at all: a closed port. Pages compute URLs without a call.
    with socket_that_is_closed() as port:
        use_s3(settings, f"http://127.0.0.1:{port}")
        post = make_post("Offline store", published=True)
        Post = type(post)
        hero = LibraryImage.objects.bulk_create(
            [LibraryImage(title="A bench", alt="A bench", file="images/abc.jpg", width=1600,
                          height=900)]
        )[0]  # fmt: skip
        Post.objects.filter(pk=post.pk).update(hero_image=hero)
        Rendition.objects.create(
            source="images/abc.jpg", width=800, height=450, format="webp",
            name="renditions/xyz.webp", bytes=1000,
        )  # fmt: skip
        started = time.monotonic()
        for url in [post.get_absolute_url(), "/", "/posts/"]:
            assert client.get(url).status_code == 200
        assert time.monotonic() - started < 10


class socket_that_is_closed:
    """A loopback port that nothing listens on, for as long as the block runs."""

    def __enter__(self):
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        return self.sock.getsockname()[1]

    def __exit__(self, *exc):
        self.sock.close()


def test_s3_url_helper_gives_each_test_its_own_prefix():
    first, second = s3_url("http://127.0.0.1:1"), s3_url("http://127.0.0.1:1")
    assert first != second and "location=t-" in first


@pytest.mark.django_db
def test_storage_object_metadata_follows_the_media_headers(s3):
    from flse_hub.storage import MediaS3Storage

    storage = MediaS3Storage(**s3.backend["OPTIONS"])
    assert storage.get_object_parameters("renditions/a.webp") == {
        "ContentType": "image/webp",
        "CacheControl": "public, max-age=86400",
    }
    params = storage.get_object_parameters("resources/a.docx")
    assert params["ContentDisposition"] == 'attachment; filename="a.docx"'
    assert params["ContentType"].startswith("application/vnd.openxmlformats")
    name = storage.save("resources/odd.bin", io.BytesIO(b"\x00\x01"))
    status, headers, _ = fetch(storage.url(name))
    assert (status, headers["Content-Type"]) == (200, "application/octet-stream")
    assert headers["Content-Disposition"].startswith("attachment")


@pytest.mark.django_db
def test_readme_nginx_block_in_front_of_s3_adds_what_object_metadata_cannot(
    s3, seaweedfs, tmp_path
):
    """The README's nginx block for a bucket, run by a real nginx before SeaweedFS, sends
    every header flse_hub.media sends: metadata from the object, the rest from nginx."""
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)), None
    )
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    section = (BASE_DIR / "README.md").read_text().split("### Media in object storage", 1)[1]
    block = re.search(r"```nginx\n(.*?)```", section, re.S).group(1)
    names = {
        "image": default_storage.save("posts/Ab3.png", io.BytesIO(image("PNG"))),
        "pdf": default_storage.save("resources/Xy9.pdf", io.BytesIO(MINIMAL_PDF)),
    }
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    upstream = seaweedfs.removeprefix("http://")
    location = s3.backend["OPTIONS"]["location"]
    block = (
        block.replace(
            "https://s3.eu-west-2.amazonaws.com/flse-media/", f"{seaweedfs}/media/{location}/"
        )
        .replace("Host s3.eu-west-2.amazonaws.com;", f"Host {upstream};")
        .replace("server {", f"server {{\n    listen 127.0.0.1:{port};", 1)
    )
    temp_paths = "".join(
        f"{kind}_temp_path {tmp_path}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off; worker_processes 1; pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\naccess_log off;\n{temp_paths}{block}\n}}\n"
    )
    server = subprocess.Popen(
        [nginx, "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)], stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        for name in names.values():
            status, headers, _ = fetch(f"http://127.0.0.1:{port}/{name}")
            assert status == 200, name
            expected = media_headers(name)
            assert {header: headers[header] for header in expected} == expected, name
        assert fetch(f"http://127.0.0.1:{port}/posts/missing.png")[0] == 404
    finally:
        server.terminate()
        server.wait(timeout=10)
