"""The checker against a real local server: every kind of answer, retries, timeouts,
redirects, bounded reading, per-host spacing, and refusal of private addresses."""

import itertools
import time

import pytest

from posts.linkcheck import checker as checker_module
from posts.linkcheck.services import make_checker


@pytest.fixture
def checker(checker_settings):
    return make_checker()


def test_a_working_address_is_ok_after_one_head_with_our_user_agent(checker, link_site):
    path = f"/ok/{link_site.token()}"
    result = checker.check(link_site.url(path))
    assert (result.status, result.status_code, result.error) == ("ok", 200, "")
    assert result.final_url == link_site.url(path)
    [(_, method, _, agent)] = link_site.recorded.seen(path)
    assert (method, agent) == ("HEAD", "FLSE-test-checker/1.0")


@pytest.mark.parametrize(("path", "code"), [("/missing", 404), ("/gone", 410)])
def test_missing_and_gone_are_broken_after_head_then_get(checker, link_site, path, code):
    path = f"{path}/{link_site.token()}"
    result = checker.check(link_site.url(path))
    assert (result.status, result.status_code, result.error) == ("broken", code, f"HTTP {code}")
    assert [r[1] for r in link_site.recorded.seen(path)] == ["HEAD", "GET"]


def test_a_server_error_is_retried_after_a_back_off_and_then_ok(checker, link_site):
    path = f"/flaky/{link_site.token()}"
    result = checker.check(link_site.url(path))
    assert (result.status, result.status_code, result.attempts) == ("ok", 200, 2)
    first, second = link_site.recorded.seen(path)
    assert second[0] - first[0] >= 0.05  # LINKCHECK_BACKOFF


def test_a_server_that_keeps_failing_is_broken_after_the_retries(checker, link_site):
    path = f"/down/{link_site.token()}"
    result = checker.check(link_site.url(path))
    assert (result.status, result.status_code) == ("broken", 503)
    # HEAD and its retry, then GET and its retry.
    assert [r[1] for r in link_site.recorded.seen(path)] == ["HEAD", "HEAD", "GET", "GET"]


def test_one_address_gives_up_at_its_time_limit_retries_and_all(checker_settings, link_site):
    # A server that fails slowly, again and again, must not hold the run past its lease.
    checker_settings.LINKCHECK_RETRIES = 5
    checker_settings.LINKCHECK_MAX_SECONDS_PER_LINK = 0.15
    path = f"/down/{link_site.token()}"
    result = make_checker().check(link_site.url(path))
    assert (result.status, result.error) == ("broken", "Gave up after 0.15 s")
    # Retried while time was left (LINKCHECK_BACKOFF 0.05 s, doubling), then stopped well
    # short of the twelve requests its retries would make.
    assert 1 <= len(link_site.recorded.seen(path)) < 12


def test_a_site_that_refuses_robots_is_blocked_not_broken(checker, link_site):
    result = checker.check(link_site.url(f"/blocked/{link_site.token()}"))
    assert (result.status, result.status_code) == ("blocked", 403)


def test_a_slow_answer_times_out_and_is_broken(checker_settings, link_site):
    checker_settings.LINKCHECK_RETRIES = 0
    started = time.monotonic()
    result = make_checker().check(link_site.url(f"/slow/{link_site.token()}"))
    assert (result.status, result.error) == ("broken", "Timed out")
    assert time.monotonic() - started < 1.9  # the server would have answered after 2 s


def test_method_not_allowed_for_head_falls_back_to_get(checker, link_site):
    path = f"/no-head/{link_site.token()}"
    result = checker.check(link_site.url(path))
    assert (result.status, result.status_code) == ("ok", 200)
    assert [r[1] for r in link_site.recorded.seen(path)] == ["HEAD", "GET"]


def test_redirect_chains_are_followed_and_recorded(checker, link_site):
    token = link_site.token()
    result = checker.check(link_site.url(f"/chain/3/{token}"))
    assert result.status == "ok"
    assert result.final_url == link_site.url("/ok")
    assert result.redirects == [
        [301, link_site.url(f"/chain/2/{token}")],
        [302, link_site.url(f"/chain/1/{token}")],
        [301, link_site.url(f"/chain/0/{token}")],
        [302, link_site.url("/ok")],
    ]


def test_too_many_redirects_are_broken(checker_settings, link_site):
    checker_settings.LINKCHECK_MAX_REDIRECTS = 2
    result = make_checker().check(link_site.url(f"/chain/5/{link_site.token()}"))
    assert (result.status, result.error) == ("broken", "More than 2 redirects")
    assert len(result.redirects) == 3


def test_a_redirect_loop_is_broken(checker, link_site):
    token = link_site.token()
    result = checker.check(link_site.url(f"/loop/a/{token}"))
    assert (result.status, result.error) == ("broken", "Redirect loop")
    assert [hop[1] for hop in result.redirects] == [
        link_site.url(f"/loop/b/{token}"),
        link_site.url(f"/loop/a/{token}"),
    ]


def test_a_huge_body_is_read_only_up_to_the_limit(checker_settings, link_site):
    checker_settings.LINKCHECK_MAX_BYTES = 100_000
    path = f"/huge/{link_site.token()}"
    started = time.monotonic()
    result = make_checker().check(link_site.url(path))
    assert (result.status, result.status_code) == ("ok", 200)
    assert time.monotonic() - started < 5
    # The server stops when we hang up: far less than its 200 MB left its socket buffers.
    deadline = time.monotonic() + 5
    sent = link_site.recorded.huge_bytes_sent[path]
    while time.monotonic() < deadline:
        time.sleep(0.05)
        if link_site.recorded.huge_bytes_sent[path] == sent:
            break
        sent = link_site.recorded.huge_bytes_sent[path]
    assert sent < 50 * 1024 * 1024


def test_a_doi_is_checked_at_the_resolver_without_visiting_the_publisher(checker, link_site):
    from posts.linkcheck.models import doi_address

    found = checker.check(doi_address("10.1234/abc.5"), follow_redirects=False)
    assert (found.status, found.status_code) == ("ok", 302)
    assert found.final_url == link_site.url("/ok/article/abc.5")
    assert link_site.recorded.seen("/ok/article/abc.5") == []
    unknown = checker.check(doi_address("10.9999/nope"), follow_redirects=False)
    assert (unknown.status, unknown.status_code) == ("broken", 404)


def test_requests_to_one_host_are_spaced_by_the_interval(checker_settings, link_site):
    checker_settings.LINKCHECK_HOST_INTERVAL = 0.1
    checker = make_checker()
    token = link_site.token()
    paths = [f"/rate/{token}/{n}" for n in range(4)]
    for path in paths:
        assert checker.check(link_site.url(path)).status == "ok"
    times = [link_site.recorded.seen(path)[0][0] for path in paths]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # The server notes a request before answering; the checker waits from the answer.
    assert all(gap >= 0.1 for gap in gaps), gaps


def test_the_interval_is_per_host(checker_settings, link_site):
    """Another host (here "localhost", the same server by another name) is not held up."""
    checker_settings.LINKCHECK_HOST_INTERVAL = 5.0
    checker = make_checker()
    token = link_site.token()
    port = link_site.server.server_address[1]
    started = time.monotonic()
    assert checker.check(link_site.url(f"/rate/{token}/a")).status == "ok"
    assert checker.check(f"http://localhost:{port}/rate/{token}/b").status == "ok"
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://localhost/admin/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "ftp://example.org/file",
        "file:///etc/passwd",
        "javascript:alert(1)",
    ],
)
def test_private_addresses_and_other_schemes_are_never_fetched(settings, monkeypatch, url):
    settings.LINKCHECK_ALLOW_PRIVATE_NETWORKS = False
    connections = []
    real = checker_module.socket.create_connection
    monkeypatch.setattr(
        checker_module.socket,
        "create_connection",
        lambda *a, **k: connections.append(a) or real(*a, **k),
    )
    result = make_checker().check(url)
    assert result.status == "skipped", result
    assert connections == []


def test_the_local_test_server_is_refused_without_the_test_setting(checker_settings, link_site):
    checker_settings.LINKCHECK_ALLOW_PRIVATE_NETWORKS = False
    path = f"/ok/{link_site.token()}"
    result = make_checker().check(link_site.url(path))
    assert result.status == "skipped"
    assert result.error == "127.0.0.1 is on a private or local network (127.0.0.1)"
    assert link_site.recorded.seen(path) == []
