"""Every public page type the browser suite checks.

Adding a page is one line: a Page with a name, its URL name (and kwargs or a
query string), and optionally `prepare`, a function given the playwright page
after loading, to reach a state such as a form's error summary, e.g.

    Page("search results", "posts:search", query="q=housing"),
    Page("newsletter error", "people:newsletter", prepare=submit_first_form),

Slugs refer to the demo content (posts/demo_content/content.json), which the
suite loads into the test database.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

# A post with a content note on a topic flagged quick_exit (Exit this page).
SENSITIVE_POST = "flse-responds-to-the-tackling-domestic-abuse-plan"
# A post with an anonymous author credit.
ANONYMOUS_POST = "seeing-the-whole-person-reflections-on-a-journey-into-employment"


@dataclass(frozen=True)
class Page:
    name: str
    url_name: str
    kwargs: dict = field(default_factory=dict)
    query: str = ""
    status: int = 200
    prepare: Callable | None = None

    def path(self):
        url = reverse(self.url_name, kwargs=self.kwargs)
        return f"{url}?{self.query}" if self.query else url


def submit_first_form(page):
    """Submit the main content's first form as it is (reaches its error state)."""
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


PAGES = [
    Page("home", "posts:home"),
    Page("post list", "posts:list"),
    Page("post list filtered", "posts:list", query="topic=co-production"),
    Page("post list filtered to nothing", "posts:list", query="topic=women&year=2015"),
    Page(
        "post",
        "posts:detail",
        {"slug": "punching-above-your-weight-getting-academically-published-as-a-non-profit"},
    ),
    Page("post with content note and quick exit", "posts:detail", {"slug": SENSITIVE_POST}),
    Page("post with anonymous author", "posts:detail", {"slug": ANONYMOUS_POST}),
    Page("topic index", "posts:topics"),
    Page("topic", "posts:topic", {"slug": "domestic-abuse"}),
    Page("person", "posts:person", {"slug": "emily-page"}),
    Page("404", "posts:detail", {"slug": "no-such-post"}, status=404),
    Page("search with results", "posts:search", query="q=clinical+supervision"),
    Page("search with no results", "posts:search", query="q=zzzqqxx"),
    Page("search with a filter open", "posts:search", query="q=housing&topic=women"),
    Page("search with a suggestion", "posts:search", query="q=supervison"),
    Page("search without a query", "posts:search"),
    Page("newsletter signup", "people:newsletter"),
    Page("newsletter signup with errors", "people:newsletter", prepare=submit_first_form),
    Page("newsletter check your email", "people:newsletter-check-email"),
    Page("newsletter broken link", "people:newsletter-confirm", {"token": "forged"}, status=400),
    Page("privacy notice (a site page)", "site:page", {"slug": "privacy"}),
    Page("about us (a site page)", "site:page", {"slug": "about"}),
]
