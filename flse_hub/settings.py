"""Settings for the FLSE Learning Hub, driven by environment variables.

The defaults make `make run` work on a laptop with nothing configured; a
production deployment sets DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and
DATABASE_URL, and leaves DJANGO_DEBUG off. See README.md for the full list.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from flse_hub.env import (
    cache_beside,
    caches_from_url,
    env_bool,
    env_int,
    env_list,
    env_megabytes,
    env_rate,
    env_web_url,
    mailers_from_url,
    media_storage,
    media_url,
    rq_queues_from_url,
    secret_key,
    tasks_from_url,
    trusted_proxies,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("FLSE_VAR_DIR", BASE_DIR / "var"))

DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = secret_key(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
if not DEBUG and "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the site's hosts, not '*'.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

SITE_NAME = os.environ.get("FLSE_SITE_NAME", "FLSE Learning Hub")
ORGANISATION_NAME = os.environ.get("FLSE_ORGANISATION_NAME", "Fulfilling Lives South East")
# The site page (flse_hub.site) holding the privacy notice: /privacy/. The newsletter links
# to it by this slug and the URL name "site:page", so people never imports the site app.
PRIVACY_NOTICE_SLUG = "privacy"
# Content of the site app that site search and the demo load include: posts calls these by
# name, so neither imports the other (the site app is infrastructure and imports no app).
SEARCH_EXTRA_SOURCES = ["flse_hub.site.search.matching_pages"]
DEMO_CONTENT_LOADERS = [
    "flse_hub.site.demo_pages.load",
    "flse_hub.site.demo.load_site_identity",
]

INSTALLED_APPS = [
    "flse_hub.apps.FlseAdminConfig",  # django.contrib.admin with the project's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "axes",
    "taggit",
    "django_prose_editor",
    "django_tasks_db",
    "reversion",  # revisions of posts (posts/revisions.py) and pages (flse_hub.site)
    "anymail",  # mail providers' bounce and complaint webhooks (people.bounces)
    "people",
    "posts",
    "posts.media",  # the media library (images and documents), used by posts
    "flse_hub.site",
    "flse_hub.renditions",
    "flse_hub.archive",  # manage.py export_static: the public site as static files
    "posts.linkcheck",  # the link and DOI checker (README "Checking links")
    "flse_hub.wordpress",  # manage.py import_wordpress and its record of imported items
]

MIDDLEWARE = [
    # First: no later layer may see X-Forwarded-* headers from an untrusted peer.
    "flse_hub.security.ForwardedHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Whole public pages for anonymous readers, keyed on the content version; above CSP
    # and Permissions-Policy so that a kept page keeps their headers (flse_hub.caching).
    "flse_hub.caching.PageCacheMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "flse_hub.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETag from the body and 304s; above everything that changes the body.
    "django.middleware.http.ConditionalGetMiddleware",
    "flse_hub.middleware.PrivateResponsesMiddleware",
    # Below PrivateResponses, so a cacheable 404 still turns private for staff.
    "flse_hub.middleware.ErrorResponsesMiddleware",
    # Below ErrorResponses: a 404 that has a redirect becomes one before it is made a
    # cacheable 404. Only 404s are looked up (flse_hub.site.redirects).
    "flse_hub.site.redirects.NotFoundRedirectMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a lock-out into its response.
    "axes.middleware.AxesMiddleware",
]

# Asked in turn when a GET finds no page (flse_hub.site.redirects): old post addresses
# first, as they follow the post wherever it goes; then the redirects staff manage.
NOT_FOUND_REDIRECT_FINDERS = [
    "posts.former_addresses.redirect_for",
    "flse_hub.site.redirects.redirect_for",
]

# The media library's handling of images in a body (posts.media.body): pages keep theirs
# with it, named here because the site app imports no app.
BODY_IMAGES_MODULE = "posts.media.body"

ROOT_URLCONF = "flse_hub.urls"
WSGI_APPLICATION = "flse_hub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "flse_hub.context_processors.site",
                "flse_hub.site.context_processors.site_identity",
                "django.template.context_processors.csp",
                "flse_hub.context_processors.canonical",
                "flse_hub.archive.context_processors.archive",
            ],
        },
    },
]

# SQLite under var/ unless DATABASE_URL says otherwise (postgres://… in production).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web servers keep theirs open (flse_hub/wsgi.py sets 60 s): opening a SQLite
    # connection (Django's functions, the PRAGMAs below) cost more than a whole page
    # answered from the page cache. Elsewhere (the worker, manage.py) a new one each
    # time, so that a worker notices at once when the database file goes away.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("FLSE_SQLITE_CONN_MAX_AGE", 0)
    # WAL lets readers carry on while one writer commits; IMMEDIATE takes the
    # write lock at BEGIN so concurrent writers queue instead of failing. The
    # 20 s busy timeout covers bursts of signups on a busy 2-core machine, where
    # 5 s let a few of 1,000 concurrent writes fail with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=20000; PRAGMA synchronous=NORMAL;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = caches_from_url(os.environ.get("CACHE_URL", "locmem:"))
# Whole public pages (flse_hub.caching) and figures over the archive (posts.archive) in
# caches of their own, so their churn never pushes out rate-limit counts. Keys name the
# content version: an entry is kept until pushed out or this long; 0 turns pages off.
# About 300 pages of 5-60 KB: well inside a worker's memory budget.
CACHES["pages"] = cache_beside(CACHES["default"], "pages", max_entries=300)
CACHES["archive"] = cache_beside(CACHES["default"], "archive", max_entries=1000)
PAGE_CACHE_SECONDS = env_int("FLSE_PAGE_CACHE_SECONDS", 24 * 60 * 60)

MAILERS = mailers_from_url(
    # Locally, each email lands as a file in var/sent-emails/ to be read there.
    os.environ.get(
        "EMAIL_URL", f"file://{VAR_DIR / 'sent-emails'}" if DEBUG else "smtp://localhost:25"
    )
)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DJANGO_DEFAULT_FROM_EMAIL", "FLSE Learning Hub <hub@sefulfillinglives.org.uk>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "staticfiles"))
# Uploads and media (flse_hub.uploads, flse_hub.media; README "Uploads and media").
# A local MEDIA_URL is served by the app (flse_hub.media) with inert headers; an
# absolute one (https://media.example.org/) is another host's job, and its origin
# is added to the CSP's img-src.
MEDIA_URL, MEDIA_ORIGIN = media_url(os.environ.get("DJANGO_MEDIA_URL", "/media/"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
FLSE_UPLOAD_MAX_BYTES = env_megabytes("FLSE_UPLOAD_MAX_MB", 20)
FLSE_IMAGE_MAX_BYTES = env_megabytes("FLSE_IMAGE_MAX_MB", 10)
# Checked from the image header before any decoding: 40 megapixels is a 7,000 by
# 5,700 photo, and about 160 MB of memory once decoded.
FLSE_IMAGE_MAX_PIXELS = env_int("FLSE_IMAGE_MAX_PIXELS", 40_000_000)
# Responsive image renditions (flse_hub.renditions): AVIF beside WebP made the worker
# 40% slower and its files were no smaller than WebP's (make bench-renditions), so off.
FLSE_RENDITION_AVIF = env_bool("FLSE_RENDITION_AVIF", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# MEDIA_STORAGE_URL=s3://… keeps uploads in S3-compatible object storage instead
# (flse_hub.storage; README "Media in object storage"): files are then linked on the
# store or its CDN, which the CSP allows, and the app serves none.
if MEDIA_STORAGE := media_storage(os.environ.get("MEDIA_STORAGE_URL")):
    if os.environ.get("DJANGO_MEDIA_URL"):
        raise ImproperlyConfigured(
            "Set DJANGO_MEDIA_URL or MEDIA_STORAGE_URL, not both: a CDN in front of object "
            "storage is MEDIA_STORAGE_URL's custom_domain option."
        )
    STORAGES["default"] = MEDIA_STORAGE.backend
    MEDIA_URL, MEDIA_ORIGIN = MEDIA_STORAGE.media_url, MEDIA_STORAGE.origin
# Tests and `make run` serve static files straight from the app folders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_MANIFEST_STRICT = False

TAGGIT_CASE_INSENSITIVE = True

# Security. Off only for local development over plain HTTP.
HTTPS = env_bool("DJANGO_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("DJANGO_HSTS_PRELOAD", default=True)
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if HTTPS:
    # The __Host- prefix makes browsers refuse these cookies unless they are
    # Secure, host-only and path=/, so a subdomain cannot plant or read them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
BEHIND_TLS_PROXY = env_bool("DJANGO_BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The reverse proxies whose X-Forwarded-* headers are believed (addresses,
# networks, or "unix" for a unix socket). A request from any other peer has
# those headers removed (flse_hub.security), so a client that reaches gunicorn
# directly can neither claim https nor pick the address that rate limits and
# the sign-in lock-out count. Default: a proxy on this machine, if there is one.
TRUSTED_PROXIES, TRUSTED_PROXY_UNIX_SOCKET = trusted_proxies(
    "DJANGO_TRUSTED_PROXIES", default="127.0.0.1,::1,unix" if BEHIND_TLS_PROXY else ""
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# Content-Security-Policy (Django's own middleware). No 'unsafe-inline':
# public pages load only our own script and stylesheet files; the admin's few
# inline blocks carry the per-request nonce ({% csp_nonce_attr %}).
CSP_REPORT_PATH = "csp-report/"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", *filter(None, [MEDIA_ORIGIN])],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    # Violations are reported (flse_hub.views.csp_report logs them) by report-uri only:
    # a policy that also names a Reporting API endpoint (report-to) makes Chromium
    # ignore report-uri, and its Reporting API delivered nothing in
    # tests/browser/test_csp_reports.py. The endpoint still accepts both formats.
    "report-uri": ["/" + CSP_REPORT_PATH],
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Features the hub never uses are refused to every page (flse_hub.middleware).
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer", "browsing-topics", "camera", "display-capture", "geolocation",
        "gyroscope", "magnetometer", "microphone", "payment", "usb",
    ]
}  # fmt: skip

# The admin's address; a less guessable one keeps scanners off the sign-in page.
ADMIN_PATH = os.environ.get("DJANGO_ADMIN_PATH", "admin/").strip("/") + "/"
if ADMIN_PATH == "/":
    raise ImproperlyConfigured("DJANGO_ADMIN_PATH must not be empty, e.g. 'staff-admin/'.")

# Admin sign-in lock-out (django-axes): five wrong passwords for one user from
# one address lock that pair out for 15 minutes; a success clears the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "flse_hub.security.client_ip"

# Public pages: browsers and CDNs may keep them this long, then revalidate (304).
PUBLIC_CACHE_SECONDS = 300
PUBLIC_CACHE_STALE_SECONDS = 60

# "Exit this page" (topics flagged quick_exit) sends readers to this neutral site.
EXIT_THIS_PAGE_URL = env_web_url("FLSE_EXIT_THIS_PAGE_URL", "https://www.bbc.co.uk/weather")

# Newsletter (people app). Absolute links in emails sent outside a request (the
# cron command) start from SITE_URL; inside a request the request's host is used.
SITE_URL = os.environ.get(
    "DJANGO_SITE_URL", f"{'https' if HTTPS else 'http'}://{ALLOWED_HOSTS[0]}"
).rstrip("/")
# Where the signup form's optional topics come from: a callable returning
# (slug, name) pairs. Named here so that people never imports posts.
NEWSLETTER_TOPIC_CHOICES = "posts.newsletter_topics.topic_choices"
# Signups per client IP, and emails per address, as (count, seconds).
NEWSLETTER_RATE_PER_IP = env_rate("NEWSLETTER_RATE_PER_IP", "30/3600")
NEWSLETTER_RATE_PER_ADDRESS = env_rate("NEWSLETTER_RATE_PER_ADDRESS", "3/3600")
NEWSLETTER_CONFIRM_MAX_AGE = 60 * 60 * 24 * 7
# Key of the erased-address hashes. It must outlive SECRET_KEY rotations, or
# erased people could be re-added: set it explicitly in production.
NEWSLETTER_SUPPRESSION_KEY = os.environ.get("NEWSLETTER_SUPPRESSION_KEY", SECRET_KEY)

# Background tasks (django.tasks). Emails and bulk re-indexing run outside the
# request, in the worker that `make run` starts (`manage.py run_worker`). The
# default keeps tasks as rows in our own database, so it needs no other server;
# TASKS_URL=rq://host:6379/0 moves them to a Redis queue (see README).
TASKS_URL = os.environ.get("TASKS_URL", "database:")
TASKS = tasks_from_url(TASKS_URL)
if RQ_QUEUES := rq_queues_from_url(TASKS_URL):
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
# A send that has held its claim this long is presumed dead (its worker was
# killed) and the email is due again. Longer than any one send can take, so a
# slow but live send is never doubled; a restarted worker with the same
# --worker-id reclaims its own emails at once (people.services).
NEWSLETTER_SEND_LEASE = timedelta(seconds=env_int("NEWSLETTER_SEND_LEASE_SECONDS", 15 * 60))

# Newsletter issues (people.sending, people.digest). Posts and the sender's name and
# postal address come from functions named here, so people imports neither posts nor
# the site app.
NEWSLETTER_POSTS = "posts.newsletter_posts.published_posts"
NEWSLETTER_SENDER = "flse_hub.site.identity.get"
# Messages per minute (0: as fast as the mail server takes them), per batch task.
NEWSLETTER_SEND_PER_MINUTE = env_int("NEWSLETTER_SEND_PER_MINUTE", 600)
NEWSLETTER_BATCH_SIZE = max(1, env_int("NEWSLETTER_BATCH_SIZE", 100))
# Temporary failures (4xx, no connection) are retried with doubling delays from the base.
NEWSLETTER_MAX_ATTEMPTS = max(1, env_int("NEWSLETTER_MAX_ATTEMPTS", 6))
NEWSLETTER_RETRY_BASE_SECONDS = max(1, env_int("NEWSLETTER_RETRY_BASE_SECONDS", 300))
# Permanent failures (5xx, bounce reports) before an address is no longer sent to.
NEWSLETTER_MAX_PERMANENT_FAILURES = max(1, env_int("NEWSLETTER_MAX_PERMANENT_FAILURES", 2))
# DKIM signing of issues sent over SMTP: the PEM private key itself, or empty for none.
NEWSLETTER_DKIM_PRIVATE_KEY = os.environ.get("NEWSLETTER_DKIM_PRIVATE_KEY", "").replace("\\n", "\n")
# Bounce and complaint webhooks from the mail provider (people.bounces), checked with
# HTTP basic auth "user:password"; without it the webhook answers 404.
ANYMAIL = {"WEBHOOK_SECRET": os.environ.get("NEWSLETTER_WEBHOOK_SECRET", "")}
NEWSLETTER_DKIM_SELECTOR = os.environ.get("NEWSLETTER_DKIM_SELECTOR", "")
NEWSLETTER_DKIM_DOMAIN = os.environ.get("NEWSLETTER_DKIM_DOMAIN", "")
if NEWSLETTER_DKIM_PRIVATE_KEY and not (NEWSLETTER_DKIM_SELECTOR and NEWSLETTER_DKIM_DOMAIN):
    raise ImproperlyConfigured(
        "NEWSLETTER_DKIM_PRIVATE_KEY needs NEWSLETTER_DKIM_SELECTOR and NEWSLETTER_DKIM_DOMAIN."
    )

# Preview links (posts.previews): page views per client address, as (count, seconds).
# A person reading and answering needs a handful; guessing a 256-bit token is hopeless
# anyway, so this only keeps a scanner from costing us queries.
PREVIEW_RATE_PER_CLIENT = env_rate("PREVIEW_RATE_PER_CLIENT", "60/600")

# The link and DOI checker (posts.linkcheck, README "Checking links"). It runs in the
# worker only, one request at a time per host.
LINKCHECK_SOURCES = [
    "posts.linkcheck.sources.posts",
    "posts.linkcheck.sources.people",
    "flse_hub.site.linkcheck_sources.pages",
]
LINKCHECK_USER_AGENT = os.environ.get(
    "LINKCHECK_USER_AGENT", f"FLSE-Learning-Hub-link-checker/1.0 (+{SITE_URL}/)"
)
LINKCHECK_TIMEOUT = 10.0  # seconds per connect or read
LINKCHECK_RETRIES = 2  # after a 429, a 5xx or a network failure
LINKCHECK_BACKOFF = 2.0  # seconds before the first retry, doubling
LINKCHECK_HOST_INTERVAL = 1.0  # seconds between two requests to one host
LINKCHECK_MAX_REDIRECTS = 10
LINKCHECK_MAX_BYTES = 64 * 1024  # of a GET's body read before hanging up
LINKCHECK_MAX_SECONDS_PER_LINK = 120.0  # retries and redirects included
LINKCHECK_DOI_RESOLVER = "https://doi.org/"
# Never fetch loopback, private or link-local addresses (request forgery); the tests
# turn this on to reach their own server on 127.0.0.1.
LINKCHECK_ALLOW_PRIVATE_NETWORKS = False
# The worker queues a check this many days after the last (0: only when asked).
LINKCHECK_EVERY_DAYS = env_int("LINKCHECK_EVERY_DAYS", 7)
# A running check whose heartbeat is older than this was killed; run it again.
LINKCHECK_LEASE = timedelta(minutes=15)

# The WordPress importer downloads uploads only from public addresses (request forgery:
# an export may name any address); the tests turn this on for their server on 127.0.0.1.
WORDPRESS_IMPORT_ALLOW_PRIVATE_NETWORKS = False
