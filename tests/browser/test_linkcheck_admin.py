"""The link check's report and a post's "Links and wording" panel in a real browser:
an editor queues a check, the worker runs it against the local test server, and both
pages pass axe at 1280 and 320 px with no CSP violation and nothing sideways."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from posts import roles
from posts.linkcheck.models import CheckRun
from tests.browser.conftest import DESKTOP, NARROW
from tests.browser.test_review_admin import assert_no_axe_violations, axe, sign_in  # noqa: F401
from tests.factories import make_post
from tests.linkcheck.conftest import _no_internet, checker_settings, link_site  # noqa: F401
from tests.people.helpers import run_worker

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery-staple-42"


def no_sideways_scroll(tab):
    return tab.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["1280px", "320px"])
def test_editor_queues_a_check_and_reads_the_report_and_the_post_panel(
    open_tab,
    django_user_model,
    axe,  # noqa: F811 (fixtures imported above)
    checker_settings,  # noqa: F811
    link_site,  # noqa: F811
    viewport,
):
    editor = django_user_model.objects.create_user(
        "eddie", "eddie@example.org", PASSWORD, is_staff=True
    )
    editor.groups.add(Group.objects.get(name=roles.EDITORS))
    token = link_site.token()
    post = make_post(
        "Where the reports went",
        body=(
            f'<p>The <a href="{link_site.url(f"/gone/{token}/a-very-long-report-name-2019.pdf")}">'
            "2019 report</a> and the toolkit, available to download here:</p>"
            "<p>Tell us by 1st June 2022.</p>"
        ),
    )

    tab = open_tab(viewport)
    sign_in(tab, "eddie")
    tab.goto(reverse("admin:linkcheck_link_changelist"))
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Check every link now").click()
    assert "A check of every link is queued" in tab.page.locator(".messagelist").inner_text()
    assert tab.page.get_by_role("button", name="Check every link now").is_disabled()

    run_worker()
    assert CheckRun.objects.get().state == CheckRun.State.DONE
    tab.goto(reverse("admin:linkcheck_link_changelist"))
    broken = tab.page.locator("section", has=tab.page.get_by_role("heading", name="Broken links"))
    assert f"/gone/{token}/" in broken.inner_text()
    assert "Where the reports went" in broken.inner_text()
    wording = tab.page.locator("section", has=tab.page.get_by_role("heading", name="Wording"))
    assert "available to download here:" in wording.inner_text()
    assert "by 1st June 2022" in wording.inner_text()
    assert_no_axe_violations(axe, tab, "#content-main")
    assert no_sideways_scroll(tab) <= 0

    tab.goto(reverse("admin:posts_post_change", args=[post.pk]))
    panel = tab.page.locator(".field-link_report")
    assert f"/gone/{token}/" in panel.inner_text()
    assert "Deadline in the past (1 Jun 2022)" in panel.inner_text()
    assert_no_axe_violations(axe, tab, ".field-link_report")
    assert no_sideways_scroll(tab) <= 0

    tab.goto(reverse("admin:posts_post_changelist") + "?links=broken")
    assert tab.page.get_by_role("link", name="Where the reports went").is_visible()
    violations = tab.csp_violations()
    print(f"CSP violations in the link check walk @ {viewport['width']}px: {len(violations)}")
    assert violations == []
