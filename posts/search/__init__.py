"""Full-text search of the public posts: one entry point, a backend per database.

    results = search("trauma informed supervision", topic=topic, year=2022, page=1)

The reader's query is parsed once (query.py) and compiled by the backend that
matches the database in use: SQLite FTS5 (sqlite.py) or PostgreSQL full text
(postgres.py). The index they read is maintained by indexing.py and only ever
holds published posts, so results need no further visibility filtering beyond
a final `published()` guard.
"""

import math
from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.db import connection
from django.utils.html import escape
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe

from posts.search.keys import count_years, post_id_of
from posts.search.query import ParsedQuery, parse
from posts.search.spelling import suggest

__all__ = [
    "Facet", "Hit", "OtherHit", "SearchResults", "backend", "other_sources", "parse", "search",
    "search_ids",
]  # fmt: skip

BACKENDS = {"sqlite": "posts.search.sqlite", "postgresql": "posts.search.postgres"}
# A query finding fewer posts than this gets a "did you mean" if one is known.
SUGGEST_BELOW = 3
MAX_PAGE = 1000
# A query matching more posts than this (a common word) is reported as "more than
# WINDOW" and ranks and counts facets over the newest WINDOW matches only: counting,
# ranking and faceting every match costs time in proportion to the corpus, and no
# reader pages through hundreds of results. On PostgreSQL each match past the first
# few costs a read of its TOASTed vector (6-10 µs); 1,000 put the 95th percentile at
# 57 ms at 100,000 posts in `make bench-search`, over the 50 ms target.
WINDOW = 500
# The window of a query with a phrase (a quoted one, or a hyphenated word such as
# "co-production"): the index finds posts with the words, and each must then be read to
# check their order, those that fail included, so its cost follows the window.
PHRASE_WINDOW = 200
# How many older posts with the query's distinctive words in their title (posts/search/
# titles.py) join a capped ranking.
TITLE_MATCHES = 50
_START, _STOP = "\ue000", "\ue001"


def backend():
    """The search module for the database in use."""
    return import_module(BACKENDS[connection.vendor])


@dataclass
class Hit:
    post: object
    rank: float
    snippet: SafeString


@dataclass
class OtherHit:
    """A match that is not a post (a page of the site): anything with title and address."""

    item: object
    snippet: SafeString


OTHER_HITS = 5


def other_sources():
    """Other public content searched beside the posts (settings.SEARCH_EXTRA_SOURCES, named
    so that posts never imports the app providing it). Each is called as
    source(engine, parsed, start_mark, stop_mark, limit), with the backend module of the
    database, and returns [(item with title and get_absolute_url, snippet text)], best
    first, public items only."""
    return [import_string(path) for path in settings.SEARCH_EXTRA_SOURCES]


@dataclass
class Facet:
    value: object  # a Topic or a year
    count: int
    selected: bool = False


@dataclass
class SearchResults:
    query: str
    parsed: ParsedQuery
    hits: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 10
    topic_facets: list = field(default_factory=list)
    year_facets: list = field(default_factory=list)
    suggestion: str = ""
    # Set when the query matched more than WINDOW posts: only the newest WINDOW, and up
    # to TITLE_MATCHES older ones matching in their title, were ranked and faceted, and
    # only they can be paged through.
    ranked_total: int | None = None
    more: bool = False  # True when more than `total` posts matched (see WINDOW)
    # Pages of the site (settings.SEARCH_EXTRA_SOURCES) matching: first page, no filters.
    other_hits: list = field(default_factory=list)

    @property
    def num_pages(self):
        shown = self.total if self.ranked_total is None else self.ranked_total
        return max(1, math.ceil(shown / self.per_page))

    @property
    def first_number(self):
        """The position of this page's first hit among all results (for <ol start>)."""
        return (self.page - 1) * self.per_page + 1

    @property
    def has_previous(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.num_pages


def highlight(text, start=_START, stop=_STOP):
    """Escape a backend's snippet, then turn its own marks (and only those) into <mark>."""
    return mark_safe(  # noqa: S308 — everything but our two marks is escaped first
        escape(text).replace(start, "<mark>").replace(stop, "</mark>")
    )


def _best_snippet(pair):
    """The body excerpt if it shows a match, else the standfirst excerpt if that does."""
    body, meta = pair or ("", "")
    for text in (body, meta):
        if _START in text:
            return highlight(text)
    return highlight(body or meta)


def search(query, *, topic=None, year=None, page=1, per_page=10):
    """Published posts matching `query`, best first, with facets and a spelling suggestion.

    `topic` is a Topic (or None) and `year` an int (or None); both narrow the results and
    the facet counts. Never raises for any query text.
    """
    from posts.models import Post, Topic
    from posts.search.indexing import index_due_posts

    index_due_posts()
    parsed = parse(query or "")
    page = min(max(1, int(page)), MAX_PAGE)
    results = SearchResults(query=query or "", parsed=parsed, page=page, per_page=per_page)
    if not parsed:
        return results
    engine = backend()
    topic_id = topic.pk if topic is not None else None
    with engine.session():
        ranked, snippets, topic_counts, year_counts = _match(engine, results, topic_id, year)
    # Posts and topics are read outside the search's session (planned for the index).
    if ranked:
        posts = Post.objects.with_card_data().in_bulk([pk for pk, _ in ranked])
        # By primary key, then the visibility rule on each post: with `published()` in the
        # query, SQLite walks the (status, date) index past every published post instead.
        results.hits = [
            Hit(post=posts[pk], rank=score, snippet=_best_snippet(snippets.get(pk)))
            for pk, score in ranked
            if pk in posts and posts[pk].is_published
        ]
    if page == 1 and topic is None and year is None:
        # Pages have no topic or year: a filtered search is a search of posts.
        results.other_hits = [
            OtherHit(item, highlight(snippet))
            for source in other_sources()
            for item, snippet in source(engine, parsed, _START, _STOP, OTHER_HITS)
        ]
        if results.other_hits:
            # The words are on the site, so a spelling suggestion would mislead.
            results.suggestion = ""
    topics = Topic.objects.in_bulk(topic_counts) if topic_counts else {}
    results.topic_facets = sorted(
        (
            Facet(topics[pk], n, selected=pk == topic_id)
            for pk, n in topic_counts.items()
            if pk in topics
        ),
        key=lambda f: (-f.count, f.value.name),
    )
    results.year_facets = [
        Facet(y, n, selected=y == year) for y, n in sorted(year_counts.items(), reverse=True)
    ]
    return results


def window_of(parsed):
    """How many of the newest matches are ranked and counted (WINDOW, PHRASE_WINDOW).

    A phrase is what the reader typed as one (a group's first term). The joined
    alternatives the parser adds ("common" also as "co mmon") do not count.
    """
    if any(group[0].is_phrase for group in parsed.groups):
        return PHRASE_WINDOW
    return WINDOW


def _match(engine, results, topic_id, year):
    """Run the query: (ranked [(post id, score)] for the page, snippets, topic and year counts).

    Sets the total (and whether there were more) and the spelling suggestion on `results`.
    """
    parsed, page, per_page = results.parsed, results.page, results.per_page
    filters = {"topic_id": topic_id, "year": year}
    ranked, snippets, topic_counts, year_counts = [], {}, {}, {}
    # Counting stops after WINDOW + 1: past that, "more than 500" is all a reader needs,
    # and an exact count of a common word would cost time in proportion to the corpus.
    window = window_of(parsed)
    keys = engine.newest_keys(parsed, limit=window + 1, **filters)
    extra = []
    if len(keys) > window:
        keys = keys[:window]
        results.more = True
        # A title match beats a body match: older posts with every word in their title
        # join the ranking (the newest TITLE_MATCHES of them), whatever their age.
        extra = [
            k
            for k in engine.newest_title_keys(parsed, limit=TITLE_MATCHES, **filters)
            if k > keys[-1]
        ]
        results.ranked_total = len(keys) + len(extra)
    results.total = len(keys)
    if keys:
        ranked_keys = keys + extra
        # A key holds its post's id and publication time: the facets need no text search.
        year_counts = count_years(ranked_keys)
        topic_counts = engine.topic_counts([post_id_of(k) for k in ranked_keys])
        ranked = engine.ranked_ids(
            parsed,
            keys,
            extra=extra,
            offset=(page - 1) * per_page,
            limit=per_page,
            **filters,
        )
        snippets = engine.snippets(parsed, [pk for pk, _ in ranked], _START, _STOP)
    if results.total < SUGGEST_BELOW:
        results.suggestion = suggest(
            results.query, parsed, engine, better_than=results.total, topic_id=topic_id, year=year
        )
    return ranked, snippets, topic_counts, year_counts


def search_ids(query, limit=1000):
    """Ids of the published posts matching `query`, best first (for the admin)."""
    parsed = parse(query or "")
    if not parsed:
        return []
    engine = backend()
    with engine.session():
        keys = engine.newest_keys(parsed, limit=limit)
        return [pk for pk, _ in engine.ranked_ids(parsed, keys, limit=limit)]
