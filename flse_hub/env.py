"""Turn environment variables into Django settings values.

Every variable the project reads is parsed here, so that settings.py reads as
a list of decisions and a bad value fails at start-up with a clear message.
"""

import ipaddress
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    value = value.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def secret_key(path: Path):
    """DJANGO_SECRET_KEY, or a random key kept in var/ for a single-machine install.

    A key generated on first use and stored outside the repository means no
    secret is ever committed and a local run needs no configuration.
    """
    if key := os.environ.get("DJANGO_SECRET_KEY"):
        return key
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def _query_flags(query):
    return {key: values[-1] for key, values in parse_qs(query).items()}


def mailers_from_url(url):
    """Map EMAIL_URL onto Django 6.1's MAILERS["default"].

    smtp://user:pass@host:587?tls=true   STARTTLS
    smtps://user:pass@host:465            implicit TLS
    console:                              print to the terminal
    file:///path/to/folder                one .eml file per message (flse_hub.mail)
    locmem:                               kept in memory (tests)
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    if scheme == "locmem":
        return {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    if scheme == "file":
        if not parts.path:
            raise ImproperlyConfigured("EMAIL_URL file:// needs a folder, e.g. file:///var/mail.")
        return {
            "default": {
                "BACKEND": "flse_hub.mail.EmailBackend",
                "OPTIONS": {"file_path": unquote(parts.path)},
            }
        }
    if scheme in {"smtp", "smtps", "submission"}:
        flags = _query_flags(parts.query)
        use_ssl = scheme == "smtps" or flags.get("ssl", "").lower() in TRUE
        use_tls = not use_ssl and (scheme == "submission" or flags.get("tls", "").lower() in TRUE)
        options = {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if use_ssl else 587 if use_tls else 25),
            "use_tls": use_tls,
            "use_ssl": use_ssl,
            "timeout": int(flags.get("timeout", 10)),
        }
        if parts.username:
            options["username"] = unquote(parts.username)
            options["password"] = unquote(parts.password or "")
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": options,
            }
        }
    raise ImproperlyConfigured(
        f"EMAIL_URL scheme {scheme!r} is not supported: use smtp://, smtps://, console:, "
        "file:///folder or locmem:."
    )


def caches_from_url(url):
    """Map CACHE_URL onto CACHES["default"]: locmem:, redis://host:6379/0, file:///dir, dummy:."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "locmem":
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if scheme == "dummy":
        return {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    if scheme == "file":
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": unquote(parts.path),
            }
        }
    if scheme in {"redis", "rediss"}:
        # Django's RedisCache, but a Redis outage is a cache that keeps nothing rather
        # than a 500 on every page (flse_hub.redis_cache); a Redis that does not answer
        # is given up on after a second, not the kernel's minutes.
        return {
            "default": {
                "BACKEND": "flse_hub.redis_cache.OutageTolerantRedisCache",
                "LOCATION": url,
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        }
    raise ImproperlyConfigured(
        f"CACHE_URL scheme {scheme!r} is not supported: use locmem:, redis://, file:/// or dummy:."
    )


def env_rate(name, default):
    """A rate limit written as "count/seconds", e.g. NEWSLETTER_RATE_PER_IP=30/3600."""
    value = os.environ.get(name, default).strip()
    try:
        count, seconds = (int(part) for part in value.split("/"))
    except ValueError:
        count = seconds = 0
    if count < 1 or seconds < 1:
        raise ImproperlyConfigured(f"{name} must look like 30/3600 (count/seconds), not {value!r}.")
    return count, seconds


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_megabytes(name, default):
    """A size in megabytes (decimals allowed), returned in bytes."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return int(default * 1_000_000)
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = 0
    if not megabytes > 0:
        raise ImproperlyConfigured(f"{name} must be a number of megabytes, e.g. 20, not {value!r}.")
    return int(megabytes * 1_000_000)


def media_url(value):
    """DJANGO_MEDIA_URL as (MEDIA_URL, origin or ""): a local path, or https://host/path/.

    An absolute URL means another host serves the media (and the app routes none);
    its origin is what the site's CSP must allow images from.
    """
    parts = urlsplit(value.strip())
    if parts.scheme or parts.netloc:
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ImproperlyConfigured(
                f"DJANGO_MEDIA_URL must be a path such as /media/ or an address such as "
                f"https://media.example.org/, not {value!r}."
            )
        path = parts.path.rstrip("/") + "/"
        return f"{parts.scheme}://{parts.netloc}{path}", f"{parts.scheme}://{parts.netloc}"
    path = "/" + parts.path.strip("/") + "/"
    if path == "//" or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"DJANGO_MEDIA_URL must be a path such as /media/, not {value!r}."
        )
    return path, ""


S3_OPTIONS = {"region", "custom_domain", "location", "addressing_style"}
HOST_AND_PORT = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?")


@dataclass(frozen=True)
class MediaStorage:
    backend: dict  # STORAGES["default"]
    media_url: str  # where the files are read from (absolute)
    origin: str  # what the site's CSP must allow images from


def media_storage(value):
    """MEDIA_STORAGE_URL as a MediaStorage, or None for files on local disk (the default).

    s3://KEY:SECRET@host[:port]/bucket?region=eu-west-2     an S3-compatible store (https)
    s3+http://KEY:SECRET@127.0.0.1:8333/bucket               the same over plain http (tests)
    Options: custom_domain=media.example.org (a CDN in front; files are linked there),
    location=prefix/inside/bucket, addressing_style=path|virtual (default path).
    KEY and SECRET are percent-encoded; without them boto3 looks for credentials
    itself (AWS_ACCESS_KEY_ID…, an instance role).
    """
    value = (value or "").strip()
    if not value:
        return None
    example = "s3://KEY:SECRET@s3.eu-west-2.amazonaws.com/bucket?region=eu-west-2"
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    bucket = parts.path.strip("/")
    if scheme not in {"s3", "s3+http"} or not parts.hostname or not bucket or "/" in bucket:
        raise ImproperlyConfigured(
            f"MEDIA_STORAGE_URL must look like {example} (or be empty for local disk)."
        )
    flags = _query_flags(parts.query)
    if unknown := sorted(set(flags) - S3_OPTIONS):
        raise ImproperlyConfigured(
            f"MEDIA_STORAGE_URL has unknown option(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(S3_OPTIONS))}."
        )
    custom_domain = flags.get("custom_domain", "").strip("/")
    if custom_domain and not HOST_AND_PORT.fullmatch(custom_domain):
        raise ImproperlyConfigured(
            "MEDIA_STORAGE_URL custom_domain must be a host name such as media.example.org."
        )
    addressing_style = flags.get("addressing_style", "path")
    if addressing_style not in {"path", "virtual"}:
        raise ImproperlyConfigured("MEDIA_STORAGE_URL addressing_style must be path or virtual.")
    location = flags.get("location", "").strip("/")
    protocol = "http" if scheme == "s3+http" else "https"
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured("MEDIA_STORAGE_URL has a bad port.") from None
    host = parts.hostname + (f":{port}" if port else "")
    endpoint = f"{protocol}://{host}"
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": flags.get("region") or "us-east-1",
        "access_key": unquote(parts.username) if parts.username else None,
        "secret_key": unquote(parts.password) if parts.password else None,
        "custom_domain": custom_domain or None,
        "url_protocol": f"{protocol}:",
        "location": location,
        "addressing_style": addressing_style,
        "signature_version": "s3v4",
        # Public, unsigned URLs: the same for every reader, so a CDN can cache them, and
        # computed without a call to the store.
        "querystring_auth": False,
        # Names are random: no HEAD request per save to find a free one.
        "file_overwrite": True,
        "default_acl": None,
    }
    if custom_domain:
        origin = f"{protocol}://{custom_domain}"
        base = origin
    elif addressing_style == "virtual":
        origin = base = f"{protocol}://{bucket}.{host}"
    else:
        origin, base = endpoint, f"{endpoint}/{bucket}"
    return MediaStorage(
        backend={"BACKEND": "flse_hub.storage.MediaS3Storage", "OPTIONS": options},
        media_url=f"{base}/{location + '/' if location else ''}",
        origin=origin,
    )


UNIX_SOCKET = "unix"


def trusted_proxies(name, default=""):
    """The proxies whose X-Forwarded-* headers are believed, from a comma-separated list.

    Each entry is an address or a network ("127.0.0.1", "10.0.0.0/8", "::1/128"),
    or "unix" for a proxy that reaches gunicorn through a unix socket. Returns
    (networks, unix_socket).
    """
    value = os.environ.get(name, default)
    networks = []
    unix_socket = False
    for entry in (item.strip() for item in value.split(",")):
        if not entry:
            continue
        if entry.lower() == UNIX_SOCKET:
            unix_socket = True
            continue
        try:
            networks.append(ipaddress.ip_network(entry))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"{name}: {entry!r} is not an address or network such as 127.0.0.1 or "
                f"10.0.0.0/8 ({error})."
            ) from None
    return tuple(networks), unix_socket


def tasks_from_url(url):
    """Map TASKS_URL onto Django's TASKS["default"] (work done outside the request).

    database:            django-tasks-db: tasks are rows in our own database, run by
                         `manage.py run_worker` (needs no other server)
    rq://host:6379/0     django-tasks-rq on a Redis queue, for several machines
                         (install django-tasks-rq; `manage.py rqworker` runs them)
    immediate:           run each task inside the request that enqueues it (debugging
                         only: it brings back the waits the worker exists to remove)
    dummy:               keep tasks and never run them
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "database":
        return {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    if scheme == "immediate":
        return {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    if scheme == "dummy":
        return {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    if scheme in {"rq", "rqs"}:
        return {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    raise ImproperlyConfigured(
        f"TASKS_URL scheme {scheme!r} is not supported: use database:, rq://host:6379/0, "
        "immediate: or dummy:."
    )


def rq_queues_from_url(url):
    """RQ_QUEUES for django-tasks-rq when TASKS_URL is rq://host:port/db (rqs:// for TLS)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"rq", "rqs"}:
        return {}
    redis = "rediss" if parts.scheme.lower() == "rqs" else "redis"
    netloc = parts.netloc or "localhost:6379"
    return {"default": {"URL": f"{redis}://{netloc}{parts.path or '/0'}"}}


def env_web_url(name, default):
    """An http(s) address from the environment; anything else (javascript:, a bare
    host) fails at start-up rather than becoming a link on every sensitive page."""
    value = os.environ.get(name, default).strip()
    parts = urlsplit(value)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        raise ImproperlyConfigured(
            f"{name} must be a web address starting https://, e.g. {default}, not {value!r}."
        )
    return value


def cache_beside(default, name, max_entries):
    """A cache beside CACHES["default"] for one kind of entry: the same server under its own
    key prefix, or, for a per-process cache, a store of its own bounded in entries, so
    that churn of that kind never pushes out the others (rate-limit counts above all)."""
    if default["BACKEND"].endswith("LocMemCache"):
        return {**default, "LOCATION": name, "OPTIONS": {"MAX_ENTRIES": max_entries}}
    return {**default, "KEY_PREFIX": name}
