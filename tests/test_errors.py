"""Error responses: a database outage is a 503 the site recovers from by itself, every
error says how long it may be cached, and browsers' CSP violation reports are logged.

The outage tests take the database away for real (an unopenable file on SQLite, a
killed connection and a closed port on PostgreSQL) and send requests through Django's
WSGI handler, which, unlike the test client, opens and closes connections per request
exactly as gunicorn's workers do.
"""

import json
import logging
import socket

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import path, reverse

from flse_hub import urls as site_urls
from tests.factories import make_post

# ------------------------------------------------------------------ a database outage


def wsgi_get(path, **headers):
    """(status, headers, body) of a GET through the WSGI handler, closed as a server would."""
    environ = RequestFactory().get(path, **headers).environ
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"] = int(status.split()[0])
        seen["headers"] = dict(response_headers)

    response = WSGIHandler()(environ, start_response)
    try:
        body = b"".join(response)
    finally:
        response.close()  # fires request_finished, which closes a broken connection
    return seen["status"], seen["headers"], body.decode()


def assert_friendly_503(status, headers, body):
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert "no-store" in headers["Cache-Control"]
    assert "Sorry, the site is busy" in body
    assert "Content-Security-Policy" in headers


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture
def outage(transactional_db, tmp_path):
    """outage.start() takes the database away for real; outage.end() brings it back.

    SQLite: the database file cannot be opened (its folder is missing). PostgreSQL: the
    site's persistent connection (CONN_MAX_AGE) is killed, as in a server restart, and
    the server's port is closed until it is back.
    """
    settings_dict = connection.settings_dict
    saved = dict(settings_dict)

    class Outage:
        def start(self):
            if connection.vendor == "sqlite":
                settings_dict["NAME"] = str(tmp_path / "missing-folder" / "db.sqlite3")
                connection.close()
                return
            import psycopg2

            if connection.connection is not None:
                backend = connection.connection.get_backend_pid()
                killer = psycopg2.connect(**connection.get_connection_params())
                try:
                    with killer.cursor() as cursor:
                        cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
                finally:
                    killer.close()
            settings_dict["PORT"] = closed_port()

        def end(self):
            settings_dict.update(saved)  # no restart, no reload: only the server is back

    yield Outage()
    connection.close()
    settings_dict.clear()
    settings_dict.update(saved)


def test_an_outage_is_a_503_and_the_site_recovers_by_itself(outage, caplog):
    make_post("Still here")
    assert wsgi_get("/")[0] == 200

    outage.start()
    for url in ("/", "/posts/", "/search/?q=here", "/posts/still-here/", "/feeds/atom/"):
        assert_friendly_503(*wsgi_get(url))
    assert "Database unavailable (" in caplog.text

    outage.end()
    status, _headers, body = wsgi_get("/")
    assert status == 200
    assert "Still here" in body


def test_an_outage_met_in_a_middleware_is_a_503_too(outage, settings):
    # A 404 is cacheable, so PrivateResponsesMiddleware asks the session (in the
    # database) whether this visitor is signed in: the error is raised in a middleware,
    # past every view, and reaches handler500.
    outage.start()
    session = f"{settings.SESSION_COOKIE_NAME}={'a' * 32}"
    assert_friendly_503(*wsgi_get("/no-such-page/", HTTP_COOKIE=session))
    outage.end()
    assert wsgi_get("/no-such-page/", HTTP_COOKIE=session)[0] == 404


def test_the_503_page_needs_no_database():
    from flse_hub.middleware import service_unavailable

    response = service_unavailable()  # not marked django_db: a query would raise here
    assert response.status_code == 503
    assert "<h1>" in response.text
    assert "<style" not in response.text  # nothing the CSP would block


@pytest.mark.django_db
def test_a_bug_in_sql_stays_a_500():
    # A syntax error (OperationalError on SQLite, ProgrammingError on PostgreSQL) is a bug
    # someone must fix, not an outage readers should wait out.
    with pytest.raises(DatabaseError) as bug, connection.cursor() as cursor:
        cursor.execute("SELEC 1")
    from flse_hub.middleware import database_unavailable

    assert database_unavailable(bug.value) is False


# ------------------------------------------------------------ Cache-Control on errors


def boom(request):
    raise RuntimeError("a bug")


def forbidden(request):
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied


urlpatterns = [
    path("test-boom/", boom),
    path("test-forbidden/", forbidden),
    path("test-ok/", lambda request: HttpResponse("fine")),
    *site_urls.urlpatterns,
]
# This module is the URLconf of the tests below: it keeps the site's handler.
handler500 = getattr(site_urls, "handler500", "django.views.defaults.server_error")


@pytest.mark.django_db
def test_a_404_may_be_cached_briefly_by_anyone(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=60"}
    assert "Page not found" in response.text


@pytest.mark.django_db
def test_a_404_for_a_signed_in_editor_is_private(staff_client):
    response = staff_client.get("/posts/no-such-post/")
    assert response.status_code == 404
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_403_and_500_are_never_stored(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    forbidden_response = client.get("/test-forbidden/")
    assert forbidden_response.status_code == 403
    assert "no-store" in forbidden_response["Cache-Control"]
    assert "You cannot open this page" in forbidden_response.text

    error = client.get("/test-boom/")
    assert error.status_code == 500
    assert "no-store" in error["Cache-Control"]
    assert "Sorry, something went wrong" in error.text

    assert not Client().get("/test-ok/").has_header("Cache-Control")  # only errors


@pytest.mark.django_db
def test_other_error_answers_are_never_stored(client):
    response = client.post(reverse("people:newsletter"), {"email": "not an address"})
    assert response.status_code == 400
    assert "no-store" in response["Cache-Control"]
    response = client.delete(reverse("people:newsletter"))
    assert response.status_code == 405
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_refusals_from_cached_public_pages_follow_the_error_policy(client):
    # The public pages' own caching must not make a refused filter, or a missing post,
    # a page that shared caches keep for five minutes with a date to revalidate.
    bad_filter = client.get(reverse("posts:search"), {"q": "trauma", "year": "9999"})
    assert bad_filter.status_code == 400
    assert "no-store" in bad_filter["Cache-Control"]
    assert "public" not in bad_filter["Cache-Control"]
    assert not bad_filter.has_header("Last-Modified")

    missing = client.get(reverse("posts:detail", args=["no-such-post"]))
    assert missing.status_code == 404
    assert set(missing["Cache-Control"].split(", ")) == {"public", "max-age=60"}
    assert not missing.has_header("Last-Modified")


@pytest.mark.django_db
def test_a_refused_csrf_token_gets_a_page_the_csp_allows():
    from people import tokens

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("people:newsletter-confirm", args=[tokens.make(tokens.CONFIRM, 1)])
    )
    assert response.status_code == 403
    assert "That form has expired" in response.text
    assert "<style" not in response.text  # Django's own page has an inline style
    assert "no-store" in response["Cache-Control"]


# ------------------------------------------------------------------ CSP violation reports

CSP_URL = "/csp-report/"
LEGACY_REPORT = {
    "csp-report": {
        "document-uri": "https://hub.example.org/posts/a/",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "blocked-uri": "https://evil.example/x.js",
        "source-file": "https://hub.example.org/posts/a/",
        "line-number": 12,
    }
}
REPORTING_API_REPORT = [
    {
        "type": "csp-violation",
        "url": "https://hub.example.org/topics/",
        "body": {
            "documentURL": "https://hub.example.org/topics/",
            "effectiveDirective": "img-src",
            "blockedURL": "https://tracker.example/pixel.gif",
            "sourceFile": None,
            "lineNumber": 0,
        },
    },
    {"type": "deprecation", "body": {"id": "x"}},
]


@pytest.fixture
def reports():
    """A client that posts as a browser does (no CSRF token), with a fresh rate limit."""
    cache.clear()
    client = Client(enforce_csrf_checks=True)

    def post(body, content_type="application/csp-report", **extra):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return client.post(CSP_URL, data, content_type=content_type, **extra)

    yield post
    cache.clear()


@pytest.mark.django_db
def test_every_page_asks_browsers_to_report_violations_here(client):
    response = client.get(reverse("posts:home"))
    policy = dict(part.split(" ", 1) for part in response["Content-Security-Policy"].split("; "))
    assert policy["report-uri"] == reverse("csp-report") == CSP_URL
    # report-to would make Chromium ignore report-uri (tests/browser/test_csp_reports.py).
    assert "report-to" not in policy


@pytest.mark.django_db
def test_both_report_formats_are_logged_in_one_line_each(reports, caplog):
    caplog.set_level(logging.WARNING, logger="flse_hub.csp")
    assert reports(LEGACY_REPORT).status_code == 204
    assert reports(REPORTING_API_REPORT, "application/reports+json").status_code == 204
    lines = [r.getMessage() for r in caplog.records if r.name == "flse_hub.csp"]
    assert lines == [
        "CSP violation: script-src-elem blocked https://evil.example/x.js on "
        "https://hub.example.org/posts/a/ (https://hub.example.org/posts/a/:12)",
        "CSP violation: img-src blocked https://tracker.example/pixel.gif on "
        "https://hub.example.org/topics/ (-:0)",
    ]


@pytest.mark.django_db
def test_a_report_cannot_forge_log_lines_or_flood_them(reports, caplog):
    caplog.set_level(logging.WARNING, logger="flse_hub.csp")
    forged = {"csp-report": {**LEGACY_REPORT["csp-report"], "blocked-uri": "x\nERROR root: y"}}
    assert reports(forged).status_code == 204
    many = [REPORTING_API_REPORT[0]] * 50
    assert reports(many, "application/reports+json").status_code == 204
    lines = [r.getMessage() for r in caplog.records if r.name == "flse_hub.csp"]
    assert "\n" not in "".join(lines)
    assert "x?ERROR root: y" in lines[0]
    assert len(lines) == 1 + 10
    long = {"csp-report": {**LEGACY_REPORT["csp-report"], "blocked-uri": "a" * 5000}}
    caplog.clear()
    assert reports(long).status_code == 204
    assert len(caplog.records[0].getMessage()) < 1000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/csp-report", 400),
        (b"\xff\xfe\x00", "application/csp-report", 400),
        ("[" * 15000, "application/reports+json", 400),  # too deep for the parser
        ("1" * 5000, "application/csp-report", 400),  # too many digits for an int
        ('{"csp-report": 5}', "application/csp-report", 400),
        ("[1, null, {}]", "application/reports+json", 400),
        ("x" * 17_000, "application/csp-report", 413),
        ("{}", "text/plain", 415),
        ("a=b", "application/x-www-form-urlencoded", 415),
    ],
)
def test_junk_gets_a_4xx_never_a_5xx(reports, body, content_type, status):
    assert reports(body, content_type).status_code == status


@pytest.mark.django_db
def test_a_false_content_length_cannot_make_it_read_more(reports):
    response = reports(LEGACY_REPORT, CONTENT_LENGTH="99999999")
    assert response.status_code == 413


@pytest.mark.django_db
def test_reports_are_rate_limited_per_client_address(reports):
    from flse_hub.views import CSP_REPORT_RATE_PER_IP

    limit, seconds = CSP_REPORT_RATE_PER_IP
    for _ in range(limit):
        assert reports(LEGACY_REPORT).status_code == 204
    refused = reports(LEGACY_REPORT)
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(seconds)
    assert reports(LEGACY_REPORT, REMOTE_ADDR="192.0.2.7").status_code == 204


@pytest.mark.django_db
def test_only_post_is_accepted(client):
    assert client.get(CSP_URL).status_code == 405
