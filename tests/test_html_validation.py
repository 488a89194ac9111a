"""Every public page type is valid HTML by the Nu HTML Checker (`make validate-html`).

Pages are those the browser suite checks (tests/browser/pages.py), fetched from the app
with the demo content, plus the states only a form submission reaches. The checker is
the W3C's vnu.jar (npm vnu-jar, installed into .venv/node by the make target), run once
over all pages with Java; any error fails, warnings are printed.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.browser.pages import PAGES

pytestmark = pytest.mark.html_validation

DEFAULT_JAR = (
    Path(__file__).resolve().parents[1] / ".venv/node/node_modules/vnu-jar/build/dist/vnu.jar"
)
VNU_JAR = Path(os.environ.get("VNU_JAR", DEFAULT_JAR))

CONTROL_PAGE = (
    '<!doctype html><html lang="en"><head><title>Control</title></head><body>'
    '<time datetime="2026-01-01T10:00:00.123456Z">then</time></body></html>'
)

# What a reader reaches by submitting a form: (name, path, form data, expected status).
FORM_STATES = [
    ("newsletter signup with errors", "/newsletter/", {"email": "not an address"}, 400),
    ("search with a bad filter", "/search/?q=housing&topic=no-such-topic", None, 400),
]


def fetched_pages(client):
    """[(name, html)] of every page type, each at the status it should have."""
    pages = []
    for page in PAGES:
        if page.prepare is not None:
            continue  # a browser-only state; the ones that matter are in FORM_STATES
        response = client.get(page.path())
        assert response.status_code == page.status, page.name
        pages.append((page.name, response.content))
    for name, path, data, status in FORM_STATES:
        response = client.post(path, data) if data is not None else client.get(path)
        assert response.status_code == status, name
        pages.append((name, response.content))
    return pages


@pytest.mark.django_db
def test_every_public_page_type_is_valid_html(client, tmp_path):
    if not VNU_JAR.exists() or shutil.which("java") is None:
        pytest.fail(f"The Nu HTML Checker needs {VNU_JAR} and java: run `make validate-html`.")
    call_command("load_demo_content", stdout=open(os.devnull, "w"))  # noqa: SIM115
    files = {}
    for number, (name, html) in enumerate(fetched_pages(client)):
        path = tmp_path / f"{number:02d}.html"
        path.write_bytes(html)
        files[str(path)] = name
    # A control: a page with a known error, so a checker that reports nothing is noticed.
    control = tmp_path / "control.html"
    control.write_text(CONTROL_PAGE)
    java = shutil.which("java")
    command = [java, "-jar", str(VNU_JAR), "--format", "json", "--stdout", *files, str(control)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    messages = json.loads(result.stdout)["messages"]
    for message in messages:
        message["page"] = files.get(message.get("url", "").removeprefix("file:"), "control")
    assert any(m["page"] == "control" and m["type"] == "error" for m in messages), result.stdout
    messages = [m for m in messages if m["page"] != "control"]
    errors = [m for m in messages if m["type"] == "error" or m.get("subType") == "fatal"]
    report = [f"{m['page']}: line {m.get('lastLine')}: {m.get('message')}" for m in messages]
    print(
        f"Nu HTML Checker {json.loads(result.stdout).get('version', '')}: {len(files)} pages, "
        f"{len(errors)} errors, {len(messages) - len(errors)} warnings and notes"
    )
    print("\n".join(report))
    assert not errors, "\n".join(report)
