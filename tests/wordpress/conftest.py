import http.server
import io
import os
import threading
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from PIL import Image as PILImage

from posts.roles import EDITORS, WRITERS


def jpeg_bytes(size=(64, 48), colour=(200, 80, 40)):
    out = io.BytesIO()
    PILImage.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def media_root(media_storage):
    return media_storage


def _staff(django_user_model, username, group):
    user = django_user_model.objects.create_user(
        username, f"{username}@example.org", "pw", is_staff=True
    )
    user.groups.add(Group.objects.get(name=group))
    return django_user_model.objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def editor(db, django_user_model):
    return _staff(django_user_model, "editor", EDITORS)


@pytest.fixture
def writer(db, django_user_model):
    return _staff(django_user_model, "writer", WRITERS)


@pytest.fixture
def run_import(tmp_path, editor):
    """Write `xml` to a file and import it; returns the command's output."""

    def run(xml, *args, user=None):
        path = tmp_path / f"export-{len(list(tmp_path.glob('export-*')))}.xml"
        path.write_text(xml, encoding="utf-8")
        out = io.StringIO()
        call_command(
            "import_wordpress", str(path), "--user", (user or editor).username, *args, stdout=out
        )
        return out.getvalue()

    return run


class _Files(http.server.BaseHTTPRequestHandler):
    files = {}

    def do_GET(self):
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        if isinstance(body, str):  # an address to redirect to
            self.send_response(302)
            self.send_header("Location", body)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def file_server():
    """A loopback HTTP server (a free port) serving _Files.files: the old site's uploads."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, _Files.files
    finally:
        server.shutdown()
        server.server_close()


def shared_export():
    """WordPress's theme test export (tests/wordpress/data/SOURCE.md says where it is from);
    WORDPRESS_TEST_EXPORT names another export to try instead."""
    if named := os.environ.get("WORDPRESS_TEST_EXPORT"):
        return Path(named)
    return Path(__file__).resolve().parent / "data" / "themeunittestdata.wordpress.xml"
