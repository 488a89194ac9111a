import os

import pytest


@pytest.fixture(autouse=True)
def _plain_http(settings):
    # Production settings redirect to HTTPS; the test client speaks plain HTTP.
    settings.SECURE_SSL_REDIRECT = False
    # The hashed-name manifest exists only after collectstatic, which tests skip.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        "editor", "editor@example.org", "pw-for-tests-only"
    )
    client.force_login(user)
    return client


# The link checker's schedule (posts.linkcheck) would queue a check of every link the
# first time any worker starts, reaching real sites: off for the whole suite, workers
# started as subprocesses included. tests/linkcheck turns it on where it is the subject.
os.environ["LINKCHECK_EVERY_DAYS"] = "0"


@pytest.fixture(autouse=True)
def _no_scheduled_link_checks(settings):
    settings.LINKCHECK_EVERY_DAYS = 0


# A real S3-compatible server (SeaweedFS) and the storage the media tests run against.
from tests.s3 import media_storage, seaweedfs  # noqa: E402, F401


@pytest.fixture(autouse=True)
def _empty_page_cache():
    # Kept pages and figures are keyed on the content version, which a rolled-back test
    # database returns to: one test's page must not answer the next test's request.
    from django.core.cache import caches

    caches["pages"].clear()
    caches["archive"].clear()
