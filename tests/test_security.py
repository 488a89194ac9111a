"""Security headers, cookies, the admin path and the sign-in lock-out."""

import pytest
from django.urls import reverse

from tests.factories import make_post
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


def sign_in(client, password, address="203.0.113.5", username="editor"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
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
