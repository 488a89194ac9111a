"""Real-browser checks: Debian's chromium driven by playwright against live_server.

Run with `make test-browser` (pytest -m browser). `make test` leaves these out so
the suite runs on machines without chromium; `.ci/run` installs chromium and
runs both.
"""

import os
import shutil

import pytest
from django.core.management import call_command
from django.test import override_settings

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Playwright's sync API keeps an asyncio loop on the main thread, which makes
# Django refuse database calls from test code there; they are not async here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DESKTOP = {"width": 1280, "height": 900}
NARROW = {"width": 320, "height": 720}

# Runs before any page script in every document of the context, and reports each
# violation through an exposed function, so violations survive navigations.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__reportCspViolation({
    directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample,
    source: e.sourceFile + ":" + e.lineNumber, page: location.pathname,
  });
});
"""


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium")
    if not executable:
        pytest.fail("chromium is not installed: apt-get install -y chromium (see .ci/run)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session", autouse=True)
def _plain_http_live_server():
    """Serve the live server as plain HTTP, before it starts.

    live_server is session-scoped and builds its middleware once, so the
    per-test `settings` fixture comes too late for SecurityMiddleware's HTTPS
    redirect. Browsers also drop Secure and __Host- cookies over plain HTTP,
    which would make signing in to the admin impossible. (The browser suite
    runs in its own pytest process: addopts deselects it from the main one.)
    """
    plain_http = override_settings(
        SECURE_SSL_REDIRECT=False,
        SECURE_HSTS_SECONDS=0,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        SESSION_COOKIE_NAME="sessionid",
        CSRF_COOKIE_NAME="csrftoken",
    )
    plain_http.enable()
    yield
    plain_http.disable()


@pytest.fixture
def demo_site(transactional_db):
    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115


class Tab:
    """A browser tab that records every CSP violation: DOM events and console errors."""

    def __init__(self, browser, base_url, viewport):
        self.base_url = base_url
        self.violations = []
        self.context = browser.new_context(viewport=viewport)
        self.context.expose_function("__reportCspViolation", self._record)
        self.context.add_init_script(CSP_LISTENER)
        self.page = self.context.new_page()
        self.page.on("console", self._on_console)

    def _record(self, violation):
        self.violations.append(violation)

    def _on_console(self, message):
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.violations.append({"console": text})

    def goto(self, path):
        return self.page.goto(self.base_url + path)

    def csp_violations(self):
        # Let queued events reach Python before reading the list.
        self.page.wait_for_timeout(100)
        return list(self.violations)


@pytest.fixture
def open_tab(browser, live_server, demo_site):
    """open_tab(viewport) -> a Tab on a fresh browser context, closed after the test."""
    tabs = []

    def open_tab(viewport=DESKTOP):
        tabs.append(Tab(browser, live_server.url, viewport))
        return tabs[-1]

    yield open_tab
    for tab in tabs:
        tab.context.close()
