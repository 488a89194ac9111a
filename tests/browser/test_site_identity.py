"""The settings-driven header and footer in a real browser, with every detail filled in
(logo, address, numbers, social links), and no failed request (a favicon 404) anywhere."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from flse_hub.site.models import SiteSettings, SocialLink
from tests.browser.conftest import DESKTOP, NARROW
from tests.browser.pages import PAGES
from tests.browser.test_accessibility import AXE_TAGS

pytestmark = pytest.mark.browser


@pytest.fixture
def full_identity(demo_site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    logo = io.BytesIO()
    Image.new("RGBA", (900, 300), (11, 85, 99, 255)).save(logo, "PNG")
    site = SiteSettings.objects.get()
    site.logo = SimpleUploadedFile("logo.png", logo.getvalue(), "image/png")
    site.logo_alt = "Fulfilling Lives South East logo"
    site.charity_number = "1234567"
    site.company_number = "07654321"
    site.postal_address = "BHT Sussex\n144 London Road\nBrighton\nBN1 4PH"
    site.contact_email = "a.very.long.contact.address@sefulfillinglives.org.uk"
    site.contact_phone = "01273 000 000"
    site.save()
    for order, (label, url) in enumerate(
        [("LinkedIn", "https://www.linkedin.com/"), ("YouTube", "https://www.youtube.com/")]
    ):
        SocialLink.objects.create(site_settings=site, order=order, label=label, url=url)


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["1280px", "320px"])
def test_home_with_every_detail_passes_axe_reflows_and_breaks_no_policy(
    open_tab, full_identity, viewport
):
    from axe_playwright_python.sync_playwright import Axe

    tab = open_tab(viewport)
    failed = []
    tab.page.on("response", lambda r: r.status >= 400 and failed.append((r.status, r.url)))
    assert tab.goto("/").status == 200
    header = tab.page.locator("header.site-header")
    assert header.get_by_role("img", name="Fulfilling Lives South East logo").is_visible()
    assert tab.page.get_by_role("navigation", name="Main").is_visible()
    footer = tab.page.get_by_role("contentinfo")
    assert footer.get_by_text("Registered charity number 1234567.").is_visible()
    assert footer.get_by_role("link", name="YouTube").is_visible()

    results = Axe().run(tab.page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert results.violations_count == 0, results.generate_report()
    overflow = tab.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"home scrolls sideways by {overflow}px"
    assert tab.csp_violations() == []
    assert failed == []


def test_no_page_asks_for_anything_that_fails(open_tab):
    """Every public page's own requests (icons, manifest, styles, scripts) succeed."""
    tab = open_tab(DESKTOP)
    failed = []
    tab.page.on("response", lambda r: r.status >= 400 and failed.append((r.status, r.url)))
    for spec in PAGES:
        response = tab.goto(spec.path())
        assert response.status == spec.status
        # The icons and manifest the head names, fetched as the browser would.
        for selector in ["link[rel=icon]", "link[rel=apple-touch-icon]", "link[rel=manifest]"]:
            for href in tab.page.eval_on_selector_all(selector, "els => els.map(e => e.href)"):
                assert tab.page.request.get(href).status == 200, href
        failed = [(status, url) for status, url in failed if url != response.url]
        assert failed == [], spec.name
