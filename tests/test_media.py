"""Media responses are inert whoever requests them, and pages never open a media file."""

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from lxml import html

from flse_hub.env import media_url
from flse_hub.media import media_headers
from posts.media.models import Image as LibraryImage
from tests.factories import make_post
from tests.uploads_corpus import MINIMAL_PDF, image

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parent.parent
SANDBOX = "sandbox; default-src 'none'"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "posts").mkdir(parents=True)
    return settings.MEDIA_ROOT


def put(root, name, data):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return f"/media/{name}"


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("posts/Ab3.jpg", image("JPEG"), "image/jpeg"),
        ("posts/Ab3.png", image("PNG"), "image/png"),
        ("posts/Ab3.webp", image("WEBP"), "image/webp"),
        ("posts/Ab3.gif", image("GIF"), "image/gif"),
        ("posts/2024/legacy.jpeg", image("JPEG"), "image/jpeg"),
    ],
)
def test_images_display_inline_with_sandbox_and_nosniff(
    client, media_root, name, data, content_type
):
    response = client.get(put(media_root, name, data))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == SANDBOX
    assert "attachment" not in response.get("Content-Disposition", "")
    # A day, not a year: a file is deleted with its row and the removal must take effect.
    assert response["Cache-Control"] == "public, max-age=86400"
    assert body(response) == data


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("resources/Xy9.pdf", MINIMAL_PDF, "application/pdf"),
        ("resources/Xy9.txt", b"Notes\n", "text/plain; charset=utf-8"),
        ("resources/Xy9.csv", b"a,b\n1,2\n", "text/csv; charset=utf-8"),
        (
            "resources/Xy9.docx",
            b"PK\x03\x04",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        # Stored before uploads were checked, or put there by hand: never markup.
        ("resources/2024/page.html", b"<script>alert(1)</script>", "application/octet-stream"),
        ("resources/2024/logo.svg", b"<svg onload=alert(1)>", "application/octet-stream"),
        ("resources/2024/page.js", b"alert(1)", "application/octet-stream"),
        ("resources/2024/no-extension", b"<html>", "application/octet-stream"),
    ],
)
def test_everything_else_downloads(client, media_root, name, data, content_type):
    response = client.get(put(media_root, name, data))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == SANDBOX
    filename = name.rsplit("/", 1)[1]
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_awkward_names_get_a_safe_download_name(client, media_root):
    response = client.get(quote(put(media_root, 'resources/a "b"; c=é.pdf', MINIMAL_PDF)))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="a_b_c_.pdf"'


@pytest.mark.parametrize(
    "path",
    [
        "/media/../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/posts/%2e%2e/%2e%2e/secret.txt",
        "/media/posts/..%2f..%2fsecret.txt",
        "/media//etc/passwd",
        "/media/%2fetc%2fpasswd",
        "/media/posts/.hidden.jpg",
        "/media/posts/",
        "/media/posts",
        "/media/outside/secret.txt",
        "/media/missing.jpg",
        "/media/posts/nul%00.jpg",
    ],
)
def test_paths_outside_media_root_hidden_or_missing_are_404(client, media_root, path):
    (media_root.parent / "secret.txt").write_text("not for the public")
    (media_root / "posts" / ".hidden.jpg").write_bytes(image("JPEG"))
    (media_root / "outside").symlink_to(media_root.parent)
    response = client.get(path)
    assert response.status_code == 404
    assert b"not for the public" not in body(response)


def test_conditional_get_head_and_methods(client, media_root):
    url = put(media_root, "posts/Ab3.png", image("PNG"))
    first = client.get(url)
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["Content-Security-Policy"] == SANDBOX
    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405


def test_media_are_served_without_debug(client, media_root, settings):
    settings.DEBUG = False
    assert client.get(put(media_root, "posts/Ab3.png", image("PNG"))).status_code == 200


def test_post_page_renders_when_the_hero_file_is_gone(client, media_root):
    picture = LibraryImage.objects.create(
        title="Bench", file=SimpleUploadedFile("a.png", image("PNG")), alt="A bench"
    )
    post = make_post("Pictured", hero_image=picture)
    (media_root / picture.file.name).unlink()
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    [img] = html.fromstring(response.content).xpath("//img[@class='post__image']")
    assert (img.get("width"), img.get("height"), img.get("alt")) == ("40", "30", "A bench")
    assert img.get("src") == f"/media/{picture.file.name}"


def test_post_page_renders_for_an_old_row_without_sizes_or_file(client, media_root):
    # A row from before the sizes were stored, whose file was never restored: Django's
    # ImageField would open the file on loading the row to fill the sizes in.
    picture = LibraryImage.objects.create(
        title="Old", file=SimpleUploadedFile("a.png", image("PNG")), alt="x"
    )
    LibraryImage.objects.filter(pk=picture.pk).update(
        file="posts/2019/gone.jpg", width=None, height=None
    )
    post = make_post("Old", published=True, hero_image=picture)
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    [img] = html.fromstring(response.content).xpath("//img[@class='post__image']")
    assert img.get("width") is None


def test_templates_and_code_never_ask_a_media_file_its_size():
    pattern = re.compile(
        r"(hero_image|photo|\.file)\.(width|height|size|path|open|read)\b|get_image_dimensions"
    )
    found = [
        f"{path}: {line.strip()}"
        for folder in ["templates", "posts", "people", "flse_hub"]
        for path in (BASE_DIR / folder).rglob("*")
        if path.suffix in {".py", ".html", ".txt"}
        for line in path.read_text().splitlines()
        if pattern.search(line)
    ]
    assert found == []


def test_media_url_setting():
    assert media_url("/media/") == ("/media/", "")
    assert media_url("uploads") == ("/uploads/", "")
    assert media_url("https://media.example.org") == (
        "https://media.example.org/",
        "https://media.example.org",
    )
    assert media_url("https://cdn.example.org/hub/") == (
        "https://cdn.example.org/hub/",
        "https://cdn.example.org",
    )
    for bad in ["javascript:alert(1)", "ftp://files.example.org/", "/", "//media/?x=1"]:
        with pytest.raises(ImproperlyConfigured):
            media_url(bad)


def test_media_on_another_origin_is_not_routed_and_is_allowed_by_csp():
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings; from django.urls import resolve, Resolver404\n"
        "print(settings.MEDIA_URL, [str(s) for s in settings.SECURE_CSP['img-src']])\n"
        "try: resolve('/media/posts/a.jpg'); print('routed')\n"
        "except Resolver404: print('not routed')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "flse_hub.settings",
            "DJANGO_MEDIA_URL": "https://media.example.org/",
            "FLSE_VAR_DIR": os.environ.get("FLSE_VAR_DIR", str(BASE_DIR / "var")),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "https://media.example.org/ [\"'self'\", 'data:', 'https://media.example.org']",
        "not routed",
    ]


def test_readme_nginx_block_sends_the_same_headers_as_the_app(tmp_path):
    """The README's nginx block, run by a real nginx, answers as flse_hub.media does."""
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)), None
    )
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    readme = (BASE_DIR / "README.md").read_text()
    section = readme.split("## Uploads and media", 1)[1]
    block = re.search(r"```nginx\n(.*?)```", section, re.S).group(1)
    media = tmp_path / "media"
    for name, data in [
        ("posts/Ab3.jpg", image("JPEG")),
        ("resources/Xy9.pdf", MINIMAL_PDF),
        ("resources/Xy9.txt", b"Notes\n"),
        ("resources/2024/page.html", b"<script>alert(1)</script>"),
        ("resources/2024/logo.svg", b"<svg onload=alert(1)>"),
        ("posts/.hidden.jpg", image("JPEG")),
    ]:
        put(media, name, data)
    (tmp_path / "secret.txt").write_text("not for the public")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    block = block.replace("alias /srv/flse/var/media/;", f"alias {media}/;").replace(
        "server {", f"server {{\n    listen 127.0.0.1:{port};", 1
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

        def get(path):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            connection.close()
            return response

        for name in [
            "posts/Ab3.jpg",
            "resources/Xy9.pdf",
            "resources/Xy9.txt",
            "resources/2024/page.html",
            "resources/2024/logo.svg",
        ]:
            response = get(f"/media/{name}")
            assert response.status == 200, name
            expected = media_headers(name)
            expected.pop("Content-Disposition", None)  # nginx sends a bare "attachment"
            sent = {header: response.getheader(header) for header in expected}
            assert sent == expected, name
            disposition = response.getheader("Content-Disposition")
            assert (disposition == "attachment") == (not name.endswith(".jpg")), name
        for path in ["/media/posts/.hidden.jpg", "/media/../secret.txt", "/media/missing.jpg"]:
            assert get(path).status == 404, path
    finally:
        server.terminate()
        server.wait(timeout=10)
