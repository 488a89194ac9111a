"""Generated requests at every public URL and parameter: none may answer 5xx.

Hypothesis builds each request: a URL from the site's own URLconf (so a new page is
covered without editing this file) with generated path segments (real slugs and
tokens, unicode, very long, dots, percent-encodings), query parameters (q, topic,
year, page and junk ones, repeated), a method (HEAD, POST and odd ones), junk
conditional and other headers, and bodies for the newsletter forms and the CSP
report endpoint. It runs with DEBUG off and on; with DEBUG on every query goes
through Django's debug cursor, which formats the SQL it logs (a literal % there was
a 500 on every topic search under `make run`).

The default keeps the suite fast. For a longer sweep, and the figures it prints:

    FUZZ_EXAMPLES=2000 .venv/bin/pytest tests/test_fuzz_public_urls.py -s -q
"""

import os
import re
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from django.utils.http import http_date
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from people import tokens
from people.models import Subscriber
from tests.factories import make_person, make_post, make_topic

pytestmark = pytest.mark.django_db

# Generated requests per kind of request, run with DEBUG off and again with it on.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
CONVERTER = re.compile(r"<(?:\w+:)?\w+>")


def public_routes():
    """Every route of the site's URLconf outside the admin, e.g. "posts/<slug:slug>/"."""

    def walk(patterns, prefix):
        for entry in patterns:
            if not isinstance(entry.pattern, RoutePattern):
                continue  # regex routes: DEBUG's media files only
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                if route != django_settings.ADMIN_PATH:
                    yield from walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                yield route

    return sorted(set(walk(get_resolver().url_patterns, "")))


ROUTES = public_routes()

# Values a reader, a bot or an attacker might put anywhere.
AWKWARD = [
    "", ".", "..", "%2e%2e", "%2F", "%00", "%ZZ", "%", "a%20b", "~", "-", "_", "a.b",
    "index.php", "..%2f..%2fetc%2fpasswd", "\u202e", "😀", "ß", "İ", "\ufeff", " ",
    "1899", "1900", "2100", "2101", "2262", "9999", "10000", "0", "-1", "1e3", "0x10",
    "２０２２", " 2022 ", "2022.0", "nan", "inf", "9" * 5000, "1" + "0" * 30, "last",
    "bibtex", "ris", "atom", "rss", "json", "null", "true", "[]", "{}", "<script>",
    "' OR 1=1 --", '"phrase', "a OR b", "-x", "NEAR(a b)", "*", "a:b", "%s", "%%", "%(x)s",
]  # fmt: skip
JUNK_NAMES = ["fmt", "format", "utm_source", "p", "", "q[]", "year[0]", "PAGE"]
PARAM_NAMES = ["q", "topic", "year", "page", *JUNK_NAMES]
METHODS = ["GET", "GET", "GET", "HEAD", "POST", "POST", "PUT", "DELETE", "OPTIONS", "PATCH",
           "TRACE", "PROPFIND", "BREW"]  # fmt: skip
FORM_FIELDS = ["email", "name", "topics", "consent_version", "source", "website", "manage-email",
               "manage-website", "List-Unsubscribe", "csrfmiddlewaretoken"]  # fmt: skip
CONTENT_TYPES = [
    "application/x-www-form-urlencoded", MULTIPART_CONTENT, "application/json",
    "application/csp-report", "application/reports+json", "text/plain", "",
    "multipart/form-data", "multipart/form-data; boundary=",
    "application/x-www-form-urlencoded; charset=bogus",
]  # fmt: skip

text = st.text(max_size=40)
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=60)
long_text = st.integers(200, 3000).map(lambda n: "a" * n)


def http_dates():
    moments = st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
    )
    return moments.map(lambda moment: http_date(moment.timestamp()))


# The pages that read ?q= ?topic= ?year= ?page=. Any one bad filter is a 400 before a
# search runs, so the "filters" requests go here with mostly plausible values: the
# failures worth finding are plausible filters the data cannot hold.
FILTERED_ROUTES = ["search/", "posts/", "topics/<slug:slug>/", "people/<slug:slug>/"]
assert set(FILTERED_ROUTES) <= set(ROUTES), "a filtered page moved: update FILTERED_ROUTES"
WORDS = ["trauma", "hastings", "work", "trauma-informed", '"trauma work"', "-draft", "a OR b"]
TOPIC_SLUG, PERSON_SLUG, POST_SLUG = "trauma-informed-care", "alex-writer", "trauma-work"
# Edges: of int64 sort keys (2262, 1677), of dates (9999), of the years allowed (1900, 2100).
# Hypothesis favours a list's first entries, so the ones past an edge come first.
YEARS = ["2262", "10000", "9999", "1677", "2101", "1899", "2261", "2100", "1900", "1678", "1970"]
# Issue 9's reproducers, always tried first among the "filters" requests.
REPRODUCERS = [f"/search/?q=trauma&year={year}" for year in ("2262", "9999")] + [
    f"/search/?q=trauma&topic={TOPIC_SLUG}",
    "/posts/?year=9999",
]


def plain(strategy):
    """Strategy for a path segment sent raw (as a careless client does) or percent-encoded."""
    return st.tuples(strategy, st.booleans()).map(
        lambda t: quote(t[0], safe="") if t[1] else re.sub(r"[/?#]", "", t[0])
    )


def build_path(draw, route, segment):
    return "/" + CONVERTER.sub(lambda _: draw(segment), route)


def request_strategies(known):
    """{kind: strategy of (method, path, body, content_type, headers)}."""
    value = st.one_of(st.sampled_from(known + AWKWARD), text, long_text,
                      st.integers(-(10**30), 10**30).map(str))  # fmt: skip
    generated_segment = plain(
        st.one_of(
            st.sampled_from(known + AWKWARD),
            text,
            long_text,
            st.text(alphabet="abc-_.%/~2eF0", max_size=30),
        )
    )
    real_segment = st.one_of(st.sampled_from(known), generated_segment)
    junk_params = st.lists(
        st.tuples(st.one_of(st.sampled_from(PARAM_NAMES), text), value), max_size=4
    ).map(urlencode)
    raw_query = st.text(alphabet="&=;%+#?ab19 ", max_size=40)
    number = st.integers(-10, 20_000).map(str)

    def mostly(plausible, *others):
        """`plausible` three times in four. (one_of flattens nested choices, and would let
        the generated junk outweigh it.)"""
        return st.sampled_from([plausible] * 3 + [st.one_of(*others)]).flatmap(lambda s: s)

    filters = st.fixed_dictionaries(
        {},
        optional={
            "q": mostly(st.sampled_from(WORDS), value),
            "topic": mostly(st.just(TOPIC_SLUG), value),
            "year": mostly(st.sampled_from(YEARS), number, value),
            "page": mostly(st.sampled_from(["1", "2", "1000", "1001"]), number, value),
        },
    ).map(lambda chosen: list(chosen.items()))
    junk = st.lists(st.tuples(st.one_of(st.sampled_from(JUNK_NAMES), text), value), max_size=3)
    # Repeated names (a second set of filters): Django reads the last of each.
    filter_params = st.tuples(filters, junk, st.one_of(st.just([]), filters)).map(
        lambda t: urlencode(t[0] + t[1] + t[2])
    )
    headers = st.fixed_dictionaries(
        {},
        optional={
            "HTTP_IF_MODIFIED_SINCE": st.one_of(http_dates(), header_text),
            "HTTP_IF_NONE_MATCH": st.one_of(
                st.sampled_from(["*", '"x"', 'W/"x"', '"', "W/", ",,,"]), header_text
            ),
            "HTTP_COOKIE": header_text,
            "HTTP_ACCEPT_LANGUAGE": header_text,
            "HTTP_X_FORWARDED_FOR": header_text,
            "HTTP_REFERER": header_text,
            "REMOTE_ADDR": st.ip_addresses().map(str),
        },
    )

    def with_query(path, query):
        return path + ("?" + query if query else "")

    @st.composite
    def paths(draw):
        """Any route, generated slugs and tokens, a junk query, read with GET or HEAD."""
        path = build_path(draw, draw(st.sampled_from(ROUTES)), generated_segment)
        query = draw(st.one_of(st.just(""), junk_params, raw_query))
        method = draw(st.sampled_from(["GET", "HEAD"]))
        return method, with_query(path, query), b"", "", draw(headers)

    @st.composite
    def filtered(draw):
        """The filtered pages, real slugs mostly, with generated filters and junk."""
        path = build_path(draw, draw(st.sampled_from(FILTERED_ROUTES)), real_segment)
        method = draw(st.sampled_from(["GET", "GET", "HEAD"]))
        return method, with_query(path, draw(filter_params)), b"", "", draw(headers)

    @st.composite
    def methods(draw):
        """Any route, real slugs mostly, any method, generated form fields and bodies."""
        path = build_path(draw, draw(st.sampled_from(ROUTES)), real_segment)
        query = draw(st.one_of(st.just(""), junk_params))
        method = draw(st.sampled_from(METHODS))
        fields = draw(st.lists(st.tuples(st.sampled_from(FORM_FIELDS), value), max_size=8))
        content_type = draw(st.sampled_from(CONTENT_TYPES))
        if content_type == MULTIPART_CONTENT:
            grouped = {}
            for name, field_value in fields:
                grouped.setdefault(name, []).append(field_value)
            body = encode_multipart(BOUNDARY, grouped)
        elif content_type.startswith("application/x-www-form-urlencoded"):
            body = urlencode(fields).encode()
        else:
            body = draw(st.one_of(st.binary(max_size=300), text.map(str.encode)))
        return method, with_query(path, query), body, content_type, draw(headers)

    return {"paths": paths(), "filters": filtered(), "methods": methods()}


PURPOSES = (tokens.CONFIRM, tokens.UNSUBSCRIBE, tokens.MANAGE)


@pytest.fixture
def known_values():
    """Slugs and tokens that resolve, so generated requests also reach the real pages."""
    topic = make_topic("Trauma informed care", slug=TOPIC_SLUG)
    person = make_person("Alex Writer", slug=PERSON_SLUG)
    make_post("Trauma work in Hastings", slug=POST_SLUG, authors=[person], topics=[topic])
    make_post("A draft about trauma", published=False)
    subscriber = Subscriber.objects.create(
        email="reader@example.org", consent_version=1, consented_at=timezone.now()
    )
    tokens_ = [tokens.make(purpose, subscriber.pk) for purpose in PURPOSES]
    return [TOPIC_SLUG, PERSON_SLUG, POST_SLUG, "a-draft-about-trauma", *tokens_]


KINDS = ["paths", "filters", "methods"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_no_generated_request_gets_a_5xx(known_values, settings, debug, kind):
    settings.DEBUG = debug
    # DEBUG on makes every query go through the debug cursor, as under `make run`.
    connection.force_debug_cursor = debug
    clients = {csrf: Client(enforce_csrf_checks=csrf) for csrf in (False, True)}
    tried, logged = [], []

    def no_5xx(request, enforce_csrf):
        method, path, body, content_type, headers = request
        cache.clear()  # rate limits would otherwise stop the forms being read
        response = clients[enforce_csrf].generic(
            method, path, body, content_type=content_type, **headers
        )
        tried.append(response.status_code)
        logged.append(len(connection.queries))  # emptied as each request starts
        assert response.status_code < 500, f"{method} {path} answered {response.status_code}"

    run = given(request=request_strategies(known_values)[kind], enforce_csrf=st.booleans())(no_5xx)
    if kind == "filters":
        for path in REPRODUCERS:
            run = example(request=("GET", path, b"", "", {}), enforce_csrf=False)(run)
    run = hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,  # no example files in the worktree; a failure prints its seed
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )(run)
    try:
        run()
    finally:
        connection.force_debug_cursor = False
    if debug:
        assert sum(logged), "the debug cursor logged nothing"
    print(
        f"\nfuzz {kind} (DEBUG {'on' if debug else 'off'}, {connection.vendor}): "
        f"{len(tried)} generated requests, {sum(s >= 500 for s in tried)} answered 5xx; "
        f"statuses seen: {sorted(set(tried))}"
    )
