"""Site search finds published pages (SQLite FTS5 and PostgreSQL), and only those."""

from datetime import timedelta

import pytest
from django.utils import timezone

from flse_hub.site.models import Page
from posts.search import search
from tests.factories import make_post, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _only_our_pages():
    Page.objects.all().delete()  # the privacy notice the migrations made


def make_page(title, slug, body, **fields):
    fields.setdefault("status", Page.Status.PUBLISHED)
    fields.setdefault("published_at", timezone.now() - timedelta(days=1))
    return Page.objects.create(title=title, slug=slug, body=body, **fields)


def found(query, **filters):
    return [hit.item.slug for hit in search(query, **filters).other_hits]


def test_a_published_page_is_found_by_its_words_with_a_highlighted_snippet():
    make_page(
        "Accessibility statement",
        "accessibility",
        "<p>We tested every page with a <strong>keyboard</strong> and a screen reader.</p>",
    )
    results = search("keyboard")
    assert [hit.item.slug for hit in results.other_hits] == ["accessibility"]
    assert "<mark>keyboard</mark>" in results.other_hits[0].snippet
    # Stemmed as posts are: "tested" finds "testing".
    assert found("testing") == ["accessibility"]


def test_a_title_match_ranks_above_a_body_match():
    make_page("Contact us", "contact", "<p>Write to us about privacy.</p>")
    make_page("Privacy notice", "privacy", "<p>What we keep and why.</p>")
    assert found("privacy") == ["privacy", "contact"]


def test_drafts_and_scheduled_pages_are_never_found():
    make_page("Draft plans", "plans", "<p>Secret restructuring.</p>", status=Page.Status.DRAFT)
    make_page(
        "Coming soon",
        "soon",
        "<p>Secret restructuring.</p>",
        published_at=timezone.now() + timedelta(days=1),
    )
    assert found("restructuring") == []


def test_edits_and_deletions_reach_the_index_at_once():
    page = make_page("About us", "about", "<p>Brighton and Hastings.</p>")
    page.body = "<p>Eastbourne.</p>"
    page.save()
    assert found("hastings") == []
    assert found("eastbourne") == ["about"]
    page.status = Page.Status.DRAFT
    page.save()
    assert found("eastbourne") == []
    page.delete()
    assert found("eastbourne") == []


def test_pages_join_the_first_page_of_an_unfiltered_search_only():
    topic = make_topic("Housing")
    make_post("Housing first", topics=[topic], body="<p>Housing.</p>")
    make_page("Housing help", "housing-help", "<p>Housing.</p>")
    assert found("housing") == ["housing-help"]
    assert found("housing", topic=topic) == []
    assert found("housing", year=timezone.now().year) == []
    assert found("housing", page=2) == []


def test_query_syntax_is_words_only_for_pages_too():
    make_page("About us", "about", "<p>Co-production in Brighton.</p>")
    for query in ['"co-production', "brighton OR", "-brighton brighton", "') OR 1=1 --", "*"]:
        search(query)  # never raises
    assert found('"co-production in brighton"') == ["about"]
    assert found("brighton -production") == []


def test_the_search_page_lists_matching_pages_even_with_no_posts(client):
    make_page("Accessibility statement", "accessibility", "<p>Report a problem.</p>")
    html = client.get("/search/?q=problem").content.decode()
    assert "1 page of this site" in html
    assert '<a href="/accessibility/">Accessibility statement</a>' in html
    assert "0 posts found" in html
    assert "Did you mean" not in html
