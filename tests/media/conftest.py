"""The library's tests run on the media storage of the run: local disk, or the S3 server
(SeaweedFS) when FLSE_TEST_MEDIA_STORAGE=s3, as .ci/run does once more (tests/s3.py)."""

import pytest
from django.core.files.storage import default_storage


@pytest.fixture(autouse=True)
def media_root(media_storage):
    """The storage in use ("local" or "s3"); files are listed with stored_files()."""
    return media_storage


def stored_files():
    """Every file name in the media storage (a local folder, or this test's S3 prefix)."""

    def walk(folder):
        try:
            folders, files = default_storage.listdir(folder)
        except FileNotFoundError:  # local storage makes MEDIA_ROOT on the first save
            return
        for name in files:
            yield f"{folder}/{name}" if folder else name
        for name in folders:
            yield from walk(f"{folder}/{name}" if folder else name)

    return sorted(walk(""))
