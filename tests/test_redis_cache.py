"""CACHE_URL=redis://…: a Redis outage costs caching, not the site (flse_hub.redis_cache).

The first tests need no Redis: a port nothing listens on is a Redis that is down. The
last runs Debian's redis-server (skipped when it is not installed) to see the cache work,
go, and come back.
"""

import shutil
import socket
import subprocess
import time

import pytest
from django.core.cache import caches
from django.urls import reverse

from flse_hub import redis_cache
from flse_hub.env import cache_beside, caches_from_url
from flse_hub.ratelimit import allow
from flse_hub.redis_cache import CacheUnavailable


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def use_redis(settings, port):
    """Every cache alias on a Redis at `port`, as settings.py makes them from CACHE_URL."""
    default = caches_from_url(f"redis://127.0.0.1:{port}/0")["default"]
    settings.CACHES = {
        "default": default,
        "pages": cache_beside(default, "pages", max_entries=300),
        "archive": cache_beside(default, "archive", max_entries=1000),
    }


@pytest.fixture(autouse=True)
def _forget_outages():
    redis_cache._unavailable_until.clear()
    yield
    redis_cache._unavailable_until.clear()


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Overrides tests/conftest.py's: with Redis down there is nothing to empty."""


@pytest.mark.django_db
def test_pages_still_render_and_rate_limited_forms_answer_503_while_redis_is_down(
    client, settings, caplog
):
    use_redis(settings, free_port())  # nothing listens there
    for _ in range(2):  # the second after the first failure, without trying Redis again
        response = client.get("/")
        assert response.status_code == 200
        assert b"</html>" in response.content
    assert [r.levelname for r in caplog.records if "Redis cache unavailable" in r.message] == [
        "WARNING"
    ], "one warning per outage, not one per cache call"

    response = client.post(reverse("people:newsletter"), {"email": "reader@example.org"})
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "no-cache" in response["Cache-Control"]


def test_reads_miss_writes_are_dropped_and_counting_refuses_while_redis_is_down(settings):
    use_redis(settings, free_port())
    cache = caches["default"]
    assert cache.get("a", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("a", 1) is False
    assert cache.set("a", 1) is None
    assert cache.has_key("a") is False
    with pytest.raises(CacheUnavailable):
        allow("test", "203.0.113.1", (3, 60))


def start_redis(binary, port, folder):
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, "no redis-server"
            time.sleep(0.02)


def test_the_cache_works_stops_and_comes_back_with_redis(settings, tmp_path, monkeypatch):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    monkeypatch.setattr(redis_cache, "RETRY_SECONDS", 0)  # try Redis again at once
    port = free_port()
    use_redis(settings, port)
    cache = caches["default"]
    server = start_redis(binary, port, tmp_path)
    try:
        cache.set("page", b"kept", 60)
        assert cache.get("page") == b"kept"
        assert [allow("test", "203.0.113.2", (2, 60)) for _ in range(3)] == [True, True, False]
        server.terminate()
        server.wait(timeout=30)
        assert cache.get("page") is None
        with pytest.raises(CacheUnavailable):
            allow("test", "203.0.113.2", (2, 60))
        server = start_redis(binary, port, tmp_path)
        assert cache.get("page") is None  # a new, empty Redis
        cache.set("page", b"kept again", 60)
        assert cache.get("page") == b"kept again"
        assert allow("test", "203.0.113.2", (2, 60)) is True
    finally:
        server.terminate()
        server.wait(timeout=30)
