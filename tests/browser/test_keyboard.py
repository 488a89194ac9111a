"""Keyboard use in a real browser: skip link, Tab order, visible focus, Exit this page."""

import pytest
from django.urls import reverse

from tests.browser.pages import PAGES, SENSITIVE_POST

pytestmark = pytest.mark.browser

# Every element that should take focus from the keyboard, visible on screen.
FOCUSABLE = """() => [...document.querySelectorAll(
  'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), ' +
  'select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])')]
  .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  // Not the contents of a closed <details> (the search filters): hidden until opened.
  .filter((el) => el.checkVisibility())
  // Deliberately out of reach: the newsletter honeypot (tabindex -1, aria-hidden).
  .filter((el) => el.tabIndex >= 0 && !el.closest('[aria-hidden="true"]'))"""

# What makes focus visible: outline, box-shadow, background and text colour.
FOCUS_STYLE = """(el) => { const s = getComputedStyle(el);
  return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow,
          s.backgroundColor, s.color].join('|'); }"""


def test_skip_link_moves_focus_to_main_content(open_tab):
    tab = open_tab()
    tab.goto(reverse("posts:home"))
    tab.page.keyboard.press("Tab")
    assert tab.page.evaluate("document.activeElement.textContent.trim()") == (
        "Skip to main content"
    )
    assert tab.page.evaluate("document.activeElement.getBoundingClientRect().top") >= 0
    tab.page.keyboard.press("Enter")
    assert tab.page.evaluate("document.activeElement.id") == "main-content"


@pytest.mark.parametrize("spec", PAGES, ids=[page.name for page in PAGES])
def test_every_control_is_reachable_by_tab_with_a_visible_focus_indicator(open_tab, spec):
    tab = open_tab()
    tab.goto(spec.path())
    if spec.prepare:
        spec.prepare(tab.page)
    page = tab.page
    count = page.evaluate(f"""() => {{
        const els = ({FOCUSABLE})();
        els.forEach((el, i) => {{ el.dataset.kbd = i; el.dataset.rest = ({FOCUS_STYLE})(el); }});
        document.activeElement && document.activeElement.blur();
        return els.length;
    }}""")
    assert count > 0
    reached, invisible = set(), []
    for _ in range(count + 5):
        page.keyboard.press("Tab")
        info = page.evaluate(f"""() => {{
            const el = document.activeElement;
            if (!el || el.dataset.kbd === undefined) return null;
            const changed = el.dataset.rest !== ({FOCUS_STYLE})(el);
            return [el.dataset.kbd, changed, el.outerHTML.slice(0, 80)];
        }}""")
        if info is None:
            continue
        index, changed, html = info
        reached.add(index)
        if not changed:
            invisible.append(html)
    missing = page.evaluate(
        """(reached) => [...document.querySelectorAll('[data-kbd]')]
            .filter((el) => !reached.includes(el.dataset.kbd))
            .map((el) => el.outerHTML.slice(0, 80))""",
        sorted(reached),
    )
    assert missing == [], f"not reachable with Tab on {spec.name}"
    assert invisible == [], f"no visible focus indicator on {spec.name}"


def test_exit_this_page_button_and_shift_shortcut(open_tab, settings):
    # A local page stands in for the neutral site: the test reaches no network.
    tab = open_tab()
    settings.EXIT_THIS_PAGE_URL = tab.base_url + reverse("posts:topics")
    post_url = reverse("posts:detail", kwargs={"slug": SENSITIVE_POST})
    page = tab.page

    tab.goto(reverse("posts:home"))
    tab.goto(post_url)
    hint = page.get_by_text("Or press Shift 3 times to leave this page quickly.")
    assert hint.is_visible()  # shown once the script has run

    # The shortcut: Shift three times replaces the page (Back skips it).
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url("**" + reverse("posts:topics"))
    page.go_back()
    assert page.url.endswith(reverse("posts:home"))

    # The button does the same.
    tab.goto(post_url)
    page.get_by_role("link", name="Exit this page").click()
    page.wait_for_url("**" + reverse("posts:topics"))
    page.go_back()
    assert page.url.endswith(reverse("posts:home"))
    assert tab.csp_violations() == []


def test_exit_this_page_works_without_javascript(browser, live_server, demo_site, settings):
    settings.EXIT_THIS_PAGE_URL = live_server.url + reverse("posts:topics")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + reverse("posts:detail", kwargs={"slug": SENSITIVE_POST}))
    assert not page.get_by_text("Or press Shift 3 times").is_visible()
    page.get_by_role("link", name="Exit this page").click()
    page.wait_for_url("**" + reverse("posts:topics"))
    context.close()


@pytest.mark.parametrize("start", ["people:newsletter", "posts:home"])
def test_form_errors_move_focus_to_the_error_summary(open_tab, start):
    """GOV.UK pattern: after a failed submit, focus lands on the summary, which links to fields."""
    tab = open_tab()
    tab.goto(reverse(start))
    form = "main form" if start == "people:newsletter" else "footer form"
    tab.page.fill(f"{form} input[name=email]", "not-an-address")
    with tab.page.expect_navigation():
        tab.page.locator(f"{form} button[type=submit]").first.click()
    page = tab.page
    assert page.evaluate("document.activeElement.id") == "error-summary"
    summary_link = page.locator("#error-summary a").first
    target = summary_link.get_attribute("href")
    summary_link.click()
    assert page.evaluate("'#' + document.activeElement.id") == target
    assert tab.csp_violations() == []
