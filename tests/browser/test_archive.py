"""The static archive (manage.py export_static) in a real browser, served by a plain
static server under a sub-folder: the same axe bar as the live site, no CSP violation
(its policy is a meta tag), and search answered by Pagefind with no Django behind it."""

import functools
import io
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command

from tests.browser.conftest import DESKTOP, NARROW, Tab
from tests.browser.pages import SENSITIVE_POST
from tests.browser.test_accessibility import AXE_TAGS, axe  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

SAMPLE = [
    "index.html",
    "posts/index.html",
    "posts/clinical-supervision-and-how-it-can-support-non-specialist-workers/index.html",
    f"posts/{SENSITIVE_POST}/index.html",
    "topics/index.html",
    "topics/domestic-abuse/index.html",
    "people/emily-page/index.html",
    "about/index.html",
    "search/index.html?q=supervision",
    "_archive/index.html",
]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def archive(demo_site, tmp_path):
    """(folder, url): the demo site exported under a sub-folder of a static server."""
    folder = tmp_path / "hub-archive"
    call_command(
        "export_static",
        str(folder),
        "--base-url",
        "https://archive.example.org",
        stdout=io.StringIO(),
    )
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_port}/hub-archive/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def tabs(browser):
    opened = []

    def open_tab(base_url, viewport=DESKTOP):
        opened.append(Tab(browser, base_url, viewport))
        return opened[-1]

    yield open_tab
    for tab in opened:
        tab.context.close()


def wait_for_results(page):
    page.locator("[data-archive-search-hits] li").first.wait_for()


def test_archive_pages_pass_axe_at_both_widths_with_no_csp_violation(archive, tabs, axe):  # noqa: F811
    _folder, url = archive
    for viewport in (DESKTOP, NARROW):
        tab = tabs(url, viewport)
        for path in SAMPLE:
            response = tab.goto(path)
            assert response.status == 200, path
            if "?q=" in path:
                wait_for_results(tab.page)
            results = axe.run(tab.page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
            assert results.violations_count == 0, f"{path}\n{results.generate_report()}"
            overflow = tab.page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
        assert tab.csp_violations() == []


def test_search_works_from_the_exported_folder(archive, tabs):
    folder, url = archive
    tab = tabs(url)
    tab.goto("topics/index.html")
    box = tab.page.get_by_role("search").get_by_label("Search posts")
    box.fill("clinical supervision")
    with tab.page.expect_navigation():
        box.press("Enter")
    assert tab.page.url.startswith(url + "search/index.html?q=clinical")
    wait_for_results(tab.page)
    assert "result" in tab.page.locator("[data-archive-search-status]").inner_text()
    first = tab.page.locator("[data-archive-search-hits] li a").first
    assert "Clinical Supervision" in first.inner_text()
    with tab.page.expect_navigation():
        first.click()
    assert tab.page.locator("h1").inner_text().startswith("Clinical Supervision")
    assert tab.page.url.startswith(url + "posts/")
    # Nothing a page shows came from outside the served folder.
    assert tab.csp_violations() == []

    # Opened from the disk the browser refuses to load the index: the page says so.
    disk = tabs(folder.as_uri() + "/")
    disk.goto("search/index.html?q=supervision")
    status = disk.page.locator("[data-archive-search-status]")
    status.filter(has_text="web server").wait_for()
    assert disk.page.locator("[data-archive-search-hits] li").count() == 0
