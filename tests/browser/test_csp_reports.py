"""A real browser's CSP violation report reaches /csp-report/ and is logged."""

import logging
import time

import pytest

pytestmark = pytest.mark.browser


def test_a_blocked_inline_script_is_reported_to_the_site(open_tab, caplog):
    caplog.set_level(logging.WARNING, logger="flse_hub.csp")
    tab = open_tab()
    tab.goto("/posts/")
    # What an injection would do: an inline script, which the policy blocks.
    tab.page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.__ran = true"; document.body.append(s); }"""
    )
    assert tab.page.evaluate("() => window.__ran === undefined")
    # The browser posts the report on its own schedule; the live server logs it.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not any(
        "CSP violation" in r.getMessage() for r in caplog.records
    ):
        tab.page.wait_for_timeout(200)
    logged = [r.getMessage() for r in caplog.records if "CSP violation" in r.getMessage()]
    assert logged, "no CSP report reached /csp-report/ within 15 s"
    assert "script-src" in logged[0]
    assert "/posts/" in logged[0]
