import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from flse_hub.env import caches_from_url, env_web_url, mailers_from_url, tasks_from_url

BASE_DIR = Path(__file__).resolve().parent.parent


def test_smtp_url_with_starttls_maps_to_mailers():
    mailers = mailers_from_url("smtp://hub%40example.org:s3cr%2Ft@mail.example.org:587?tls=true")
    assert mailers == {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": "mail.example.org",
                "port": 587,
                "use_tls": True,
                "use_ssl": False,
                "timeout": 10,
                "username": "hub@example.org",
                "password": "s3cr/t",
            },
        }
    }


def test_smtps_url_uses_implicit_tls_on_465():
    options = mailers_from_url("smtps://u:p@mail.example.org")["default"]["OPTIONS"]
    assert (options["port"], options["use_ssl"], options["use_tls"]) == (465, True, False)


def test_console_and_file_urls():
    assert mailers_from_url("console:")["default"]["BACKEND"].endswith("console.EmailBackend")
    file_mailer = mailers_from_url("file:///tmp/hub-mail")["default"]
    assert file_mailer["BACKEND"] == "flse_hub.mail.EmailBackend"
    assert file_mailer["OPTIONS"] == {"file_path": "/tmp/hub-mail"}


def test_unknown_email_scheme_fails_clearly():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL scheme 'pop3'"):
        mailers_from_url("pop3://mail.example.org")


def test_cache_urls():
    redis = caches_from_url("redis://127.0.0.1:6379/1")["default"]
    assert redis["BACKEND"] == "flse_hub.redis_cache.OutageTolerantRedisCache"
    assert redis["LOCATION"] == "redis://127.0.0.1:6379/1"
    assert caches_from_url("locmem:")["default"]["BACKEND"].endswith("LocMemCache")
    with pytest.raises(ImproperlyConfigured):
        caches_from_url("memcache://x")


def run_manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "flse_hub.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "extra_env", [{}, {"DJANGO_ADMIN_PATH": "staff-only-42/"}], ids=["default", "custom-admin-path"]
)
def test_check_deploy_is_clean_with_production_values(tmp_path, extra_env):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="a-real-production-key-" + "x7Yq" * 12,
        DJANGO_ALLOWED_HOSTS="hub.example.org",
        FLSE_VAR_DIR=str(tmp_path),
        **extra_env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_wildcard_hosts_are_refused_in_production(tmp_path):
    result = run_manage(
        "check", DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="*", FLSE_VAR_DIR=str(tmp_path)
    )
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_a_secret_key_is_generated_once_and_kept_out_of_the_repository(tmp_path):
    for _ in range(2):
        assert run_manage("check", FLSE_VAR_DIR=str(tmp_path)).returncode == 0
    key_file = tmp_path / "secret_key"
    assert len(key_file.read_text()) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_tasks_urls():
    assert tasks_from_url("database:")["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert tasks_from_url("immediate:")["default"]["BACKEND"].endswith("ImmediateBackend")
    assert tasks_from_url("rq://redis.internal:6379/1")["default"]["BACKEND"].endswith("RQBackend")
    with pytest.raises(ImproperlyConfigured, match="TASKS_URL scheme 'celery'"):
        tasks_from_url("celery://x")


@pytest.mark.parametrize(
    "value", ["javascript:alert(1)", "www.bbc.co.uk", "data:text/html,hi", "//evil.example"]
)
def test_the_exit_address_must_be_a_web_address(monkeypatch, value):
    monkeypatch.setenv("FLSE_EXIT_THIS_PAGE_URL", value)
    with pytest.raises(ImproperlyConfigured, match="FLSE_EXIT_THIS_PAGE_URL"):
        env_web_url("FLSE_EXIT_THIS_PAGE_URL", "https://www.bbc.co.uk/weather")
    monkeypatch.setenv("FLSE_EXIT_THIS_PAGE_URL", "https://news.example.org/weather")
    assert env_web_url("FLSE_EXIT_THIS_PAGE_URL", "x") == "https://news.example.org/weather"
