"""axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on every public page type, wide and narrow."""

import pytest

from tests.browser.conftest import DESKTOP, NARROW
from tests.browser.pages import PAGES

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["1280px", "320px"])
@pytest.mark.parametrize("spec", PAGES, ids=[page.name for page in PAGES])
def test_no_axe_violations_and_no_csp_violations(open_tab, axe, spec, viewport):
    tab = open_tab(viewport)
    response = tab.goto(spec.path())
    assert response.status == spec.status
    if spec.prepare:
        spec.prepare(tab.page)

    results = axe.run(tab.page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    print(f"axe {spec.name} @ {viewport['width']}px: {results.violations_count} violations")
    assert results.violations_count == 0, results.generate_report()
    # Nothing may stick out sideways at 320 px (WCAG 1.4.10 reflow).
    overflow = tab.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{spec.name} scrolls sideways by {overflow}px"
    assert tab.csp_violations() == []
