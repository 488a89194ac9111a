"""Security headers, cookies, the admin path and the sign-in lock-out."""

import ipaddress
import random
import re

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from flse_hub.env import trusted_proxies
from flse_hub.security import ForwardedHeadersMiddleware, client_address, client_ip
from tests.factories import make_person, make_post
from tests.people.helpers import sign_up
from tests.test_settings import run_manage

pytestmark = pytest.mark.django_db


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


@pytest.mark.parametrize("name", ["posts:home", "posts:list", "posts:topics", "robots-txt"])
def test_public_responses_carry_a_strict_policy_and_security_headers(client, name):
    response = client.get(reverse(name))
    csp = directives(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'"
    assert csp["style-src"][0] == "'self'"
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions


def test_admin_pages_get_a_nonce_for_their_inline_blocks(staff_client):
    response = staff_client.get(reverse("admin:posts_post_add"))
    (nonce,) = [v for v in directives(response)["script-src"] if v.startswith("'nonce-")]
    token = nonce.removeprefix("'nonce-").removesuffix("'")
    assert f'nonce="{token}"' in response.content.decode()
    # The editor's CSS is a file, plus the placeholder Tiptap would otherwise inject.
    assert "css/admin-editor.css" in response.content.decode()
    assert f'<style data-tiptap-style nonce="{token}"></style>' in response.content.decode()


def test_hsts_and_host_prefixed_cookies_in_production(client, settings):
    # settings.py under test runs with production defaults (DEBUG off, HTTPS on).
    assert settings.SESSION_COOKIE_NAME == "__Host-sessionid"
    assert settings.CSRF_COOKIE_NAME == "__Host-csrftoken"
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    response = client.get(reverse("posts:home"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    login = client.get(reverse("admin:login"), secure=True)
    cookie = login.cookies["__Host-csrftoken"]
    assert cookie["secure"] and cookie["path"] == "/" and not cookie["domain"]


def test_admin_path_comes_from_the_environment(tmp_path):
    result = run_manage(
        "shell",
        "-c",
        "from django.urls import reverse; print(reverse('admin:index'))",
        DJANGO_ADMIN_PATH="/staff-only-42/",
        FLSE_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "/staff-only-42/"


LOGIN_PASSWORD = "a-long-staff-password-1"


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser("editor", "e@example.org", LOGIN_PASSWORD)


def sign_in(client, password, address="203.0.113.5", username="editor", **headers):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
        **headers,
    )


def test_repeated_failed_sign_ins_lock_out_that_user_from_that_address(client, editor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "wrong").status_code == 200  # the form again, with an error
    locked = sign_in(client, "wrong")
    assert locked.status_code == 429
    assert "Sign-in temporarily locked" in locked.content.decode()
    # Even the right password is refused now, from that address…
    assert sign_in(client, LOGIN_PASSWORD).status_code == 429
    # …but the same user from another address, and another user, can still sign in.
    assert sign_in(client, LOGIN_PASSWORD, address="198.51.100.7").status_code == 302


def test_a_successful_sign_in_resets_the_failure_count(client, editor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "wrong")
    assert sign_in(client, LOGIN_PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "wrong").status_code == 200


def test_password_validators_reject_weak_passwords(editor):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("password123", editor)


def test_quick_exit_topic_puts_exit_this_page_on_its_posts(client, settings):
    from tests.factories import make_topic

    sensitive = make_topic("Domestic abuse", quick_exit=True)
    flagged = make_post("Safety planning", topics=[sensitive, make_topic("Housing")])
    plain = make_post("Plain post", topics=[make_topic("Employment")])
    page = client.get(flagged.get_absolute_url()).content.decode()
    assert f'href="{settings.EXIT_THIS_PAGE_URL}"' in page
    assert "Exit this page" in page
    assert "js/exit-this-page.js" in page
    assert "<script>" not in page  # the behaviour is an external file, allowed by the CSP
    other = client.get(plain.get_absolute_url()).content.decode()
    assert "Exit this page" not in other and "exit-this-page.js" not in other


# The client address and the scheme: forwarded headers count only from our own proxies.

PROXY = "10.0.0.2"  # the reverse proxy, inside DJANGO_TRUSTED_PROXIES
OUTSIDER = "203.0.113.66"  # anyone who reaches gunicorn directly


@pytest.fixture
def behind_proxy(settings):
    """Settings as settings.py makes them with DJANGO_BEHIND_TLS_PROXY=true and
    DJANGO_TRUSTED_PROXIES=10.0.0.0/8."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.0/8"),)
    settings.TRUSTED_PROXY_UNIX_SOCKET = False
    return settings


@pytest.fixture
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def random_address():
    return str(ipaddress.IPv4Address(random.getrandbits(32)))


def test_a_forged_forwarded_for_from_outside_does_not_escape_the_lock_out(
    client, editor, behind_proxy
):
    for _ in range(behind_proxy.AXES_FAILURE_LIMIT):
        response = sign_in(client, "wrong", address=OUTSIDER, HTTP_X_FORWARDED_FOR=random_address())
    assert response.status_code == 429
    # A new forged address per attempt changes nothing: the lock is on the real peer.
    again = sign_in(client, LOGIN_PASSWORD, address=OUTSIDER, HTTP_X_FORWARDED_FOR=random_address())
    assert again.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {OUTSIDER}


def test_the_lock_out_counts_the_client_our_proxy_names(client, editor, behind_proxy):
    reader = "198.51.100.20"
    for _ in range(behind_proxy.AXES_FAILURE_LIMIT):
        # What the client wrote comes first; our proxy appended what it saw.
        forwarded = f"{random_address()}, {reader}"
        response = sign_in(client, "wrong", address=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 429
    assert (
        sign_in(client, LOGIN_PASSWORD, address=PROXY, HTTP_X_FORWARDED_FOR=reader).status_code
        == 429
    )
    # Another reader behind the same proxy is not locked out with them.
    other = sign_in(client, LOGIN_PASSWORD, address=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.21")
    assert other.status_code == 302


def test_a_forged_forwarded_for_from_outside_does_not_escape_the_signup_limit(
    client, behind_proxy, fresh_rate_limits
):
    behind_proxy.NEWSLETTER_RATE_PER_IP = (2, 3600)
    answers = [
        sign_up(
            client,
            f"n{n}@example.org",
            environ={"REMOTE_ADDR": OUTSIDER, "HTTP_X_FORWARDED_FOR": random_address()},
        ).status_code
        for n in range(4)
    ]
    assert answers == [302, 302, 429, 429]


def test_the_signup_limit_counts_each_client_behind_our_proxy(
    client, behind_proxy, fresh_rate_limits
):
    behind_proxy.NEWSLETTER_RATE_PER_IP = (1, 3600)

    def via_proxy(email, forwarded_for):
        environ = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded_for}
        return sign_up(client, email, environ=environ).status_code

    assert via_proxy("p1@example.org", "198.51.100.30") == 302
    assert via_proxy("p2@example.org", "198.51.100.30") == 429
    assert via_proxy("p3@example.org", "198.51.100.31") == 302


def test_a_client_that_reaches_gunicorn_directly_cannot_claim_https(client, behind_proxy):
    behind_proxy.SECURE_SSL_REDIRECT = True
    url = reverse("posts:home")
    direct = client.get(url, REMOTE_ADDR=OUTSIDER, HTTP_X_FORWARDED_PROTO="https")
    assert direct.status_code == 301
    assert direct["Location"].startswith("https://")
    via_proxy = client.get(url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    assert via_proxy.status_code == 200
    assert via_proxy["Strict-Transport-Security"].startswith("max-age=")


def test_forwarded_headers_from_outside_never_reach_the_view(behind_proxy):
    seen = {}

    def view(request):
        seen.update(request.META)
        return HttpResponse()

    forged = {"HTTP_X_FORWARDED_FOR": "1.2.3.4", "HTTP_X_FORWARDED_HOST": "evil.example"}
    ForwardedHeadersMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR=OUTSIDER, **forged))
    assert not any(key.startswith("HTTP_X_FORWARDED") for key in seen)
    ForwardedHeadersMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR=PROXY, **forged))
    assert seen["HTTP_X_FORWARDED_HOST"] == "evil.example"  # a trusted proxy's, passed on


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        (OUTSIDER, "198.51.100.1", OUTSIDER),  # not from a proxy: the header is ignored
        (PROXY, "198.51.100.1", "198.51.100.1"),
        (PROXY, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client's own entry is skipped
        (PROXY, "198.51.100.1, 10.9.9.9", "198.51.100.1"),  # two proxies of ours in a row
        (PROXY, "", PROXY),  # a proxy that names no one is the client
        (PROXY, "198.51.100.1, not-an-address", PROXY),  # garbage stops the walk
        (PROXY, "198.51.100.1, 10.9.9.9:80", PROXY),
        (PROXY, "2001:db8::1", "2001:db8::1"),
        (f"::ffff:{PROXY}", "198.51.100.1", "198.51.100.1"),  # IPv4 on a dual-stack socket
        ("", "198.51.100.1", ""),  # a unix socket, not trusted here
    ],
)
def test_the_client_address_walks_forwarded_for_from_the_right(
    behind_proxy, peer, forwarded, expected
):
    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_a_proxy_on_a_unix_socket_is_trusted_when_configured(behind_proxy):
    behind_proxy.TRUSTED_PROXY_UNIX_SOCKET = True
    request = RequestFactory().get("/", REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_ip(request) == "198.51.100.1"


def test_trusted_proxies_are_parsed_and_checked(monkeypatch):
    monkeypatch.setenv("TEST_PROXIES", " 127.0.0.1 , 10.0.0.0/8,::1/128, unix ")
    networks, unix_socket = trusted_proxies("TEST_PROXIES")
    assert [str(n) for n in networks] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]
    assert unix_socket
    assert trusted_proxies("UNSET_PROXIES") == ((), False)
    for bad in ["10.0.0.1/8", "proxy.example.org", "10.0.0.0/33"]:
        monkeypatch.setenv("TEST_PROXIES", f"127.0.0.1,{bad}")
        with pytest.raises(ImproperlyConfigured, match="TEST_PROXIES"):
            trusted_proxies("TEST_PROXIES")


def test_behind_a_tls_proxy_only_this_machine_is_trusted_by_default(tmp_path):
    show = (
        "from django.conf import settings as s; "
        "print(s.TRUSTED_PROXIES, s.TRUSTED_PROXY_UNIX_SOCKET)"
    )
    env = {"FLSE_VAR_DIR": str(tmp_path)}
    result = run_manage("shell", "-c", show, DJANGO_BEHIND_TLS_PROXY="true", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "(IPv4Network('127.0.0.1/32'), IPv6Network('::1/128')) True"
    )
    result = run_manage("shell", "-c", show, **env)
    assert result.stdout.strip().splitlines()[-1] == "() False"
    result = run_manage("check", DJANGO_TRUSTED_PROXIES="10.0.0.1/8", **env)
    assert result.returncode != 0
    assert "DJANGO_TRUSTED_PROXIES: '10.0.0.1/8' is not an address or network" in result.stderr


def _same_statements(queries, slug):
    """The SQL of `queries` with the slug and the request's clock written out of it."""
    return [
        re.sub(r"'\d{4}-\d\d-\d\d[ T][\d:.+]+'", "'<now>'", query["sql"]).replace(slug, "<slug>")
        for query in queries
    ]


@pytest.mark.parametrize(
    "name", ["posts:person", "posts:person-feed-atom", "posts:person-feed-rss"]
)
def test_a_person_credited_only_anonymously_is_looked_up_like_an_unknown_slug(client, name):
    # Their 404 must not take longer than a slug that never existed: same queries, same count.
    hidden = make_person("Hidden Writer")
    make_post("Anonymous post", authors=[(hidden, {"anonymous": True})])
    make_post("Draft naming them", authors=[hidden], published=False)
    statements = {}
    # The 404 page's header and footer (Site settings) are read once per content
    # version and then cached: compare warm pages.
    client.get(reverse(name, kwargs={"slug": "warm-up"}))
    for slug in [hidden.slug, "never-existed"]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name, kwargs={"slug": slug})).status_code == 404
        statements[slug] = _same_statements(queries, slug)
    assert statements[hidden.slug] == statements["never-existed"]
    # The same person named on a published post has their page.
    make_post("Named post", authors=[hidden])
    assert client.get(reverse(name, kwargs={"slug": hidden.slug})).status_code == 200


# IPv6: one subscriber picks addresses in their /64 at will, so a /64 is one client.

HOME_64 = ipaddress.IPv6Network("2001:db8:1:2::/64")
NEIGHBOUR_64 = "2001:db8:1:3::5"  # the next /64: another household


def rotating_addresses(network=HOME_64):
    """A fresh address in `network` on every call, as privacy extensions hand them out."""
    while True:
        yield str(network[random.getrandbits(64)])


def test_rotating_ipv6_addresses_in_one_64_do_not_escape_the_lock_out(client, editor, settings):
    addresses = rotating_addresses()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, "wrong", address=next(addresses))
    assert response.status_code == 429
    assert sign_in(client, LOGIN_PASSWORD, address=next(addresses)).status_code == 429
    # The lock is on the /64, stored as its network address.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"2001:db8:1:2::"}
    assert sign_in(client, LOGIN_PASSWORD, address=NEIGHBOUR_64).status_code == 302


def test_rotating_ipv6_addresses_in_one_64_do_not_escape_the_signup_limit(
    client, settings, fresh_rate_limits
):
    settings.NEWSLETTER_RATE_PER_IP = (2, 3600)
    addresses = rotating_addresses()
    answers = [
        sign_up(client, f"v6-{n}@example.org", environ={"REMOTE_ADDR": next(addresses)})
        for n in range(4)
    ]
    assert [a.status_code for a in answers] == [302, 302, 429, 429]
    assert answers[-1]["Retry-After"] == "3600"
    neighbour = sign_up(client, "next-door@example.org", environ={"REMOTE_ADDR": NEIGHBOUR_64})
    assert neighbour.status_code == 302


def test_rotating_ipv6_addresses_behind_our_proxy_count_as_one_client(
    client, behind_proxy, fresh_rate_limits
):
    behind_proxy.NEWSLETTER_RATE_PER_IP = (1, 3600)
    addresses = rotating_addresses()

    def via_proxy(email, forwarded_for):
        environ = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded_for}
        return sign_up(client, email, environ=environ).status_code

    assert via_proxy("q1@example.org", next(addresses)) == 302
    assert via_proxy("q2@example.org", next(addresses)) == 429
    assert via_proxy("q3@example.org", NEIGHBOUR_64) == 302


def test_rotating_ipv6_addresses_in_one_64_do_not_escape_the_csp_report_limit(
    client, monkeypatch, fresh_rate_limits
):
    monkeypatch.setattr("flse_hub.views.CSP_REPORT_RATE_PER_IP", (2, 600))
    addresses = rotating_addresses()

    def report(address):
        return client.post(
            reverse("csp-report"),
            "{}",  # not a report: a 400 when let through, a 429 when limited
            content_type="application/csp-report",
            REMOTE_ADDR=address,
        ).status_code

    assert [report(next(addresses)) for _ in range(4)] == [400, 400, 429, 429]
    assert report(NEIGHBOUR_64) == 400


@pytest.mark.parametrize(
    ("peer", "key"),
    [
        ("198.51.100.7", "198.51.100.7"),  # IPv4 stays whole
        ("::ffff:198.51.100.7", "198.51.100.7"),  # IPv4 on a dual-stack socket is IPv4
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::"),
        ("2001:DB8:1:2::1", "2001:db8:1:2::"),
        ("2001:db8:1:3::1", "2001:db8:1:3::"),
        ("::1", "::"),
        ("", ""),  # a unix-socket peer, not trusted here
    ],
)
def test_client_ip_is_the_ipv4_address_or_the_ipv6_64(peer, key):
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR=peer)) == key
