import ipaddress
import uuid

import pytest

from posts.linkcheck import checker as checker_module
from tests.linkcheck import server as link_server


class LinkServer:
    def __init__(self, server, recorded):
        self.server = server
        self.recorded = recorded
        self.base = f"http://127.0.0.1:{server.server_address[1]}"

    def url(self, path):
        return self.base + path

    @staticmethod
    def token():
        return uuid.uuid4().hex[:12]


def _is_local_address(host):
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch):
    """Whatever a test's content holds, the checker resolves only the local server's names."""
    real = checker_module.socket.getaddrinfo

    def loopback_only(host, *args, **kwargs):
        if host != "localhost" and not _is_local_address(host):
            raise checker_module.socket.gaierror(f"{host}: not resolved in tests")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(checker_module.socket, "getaddrinfo", loopback_only)


@pytest.fixture(scope="session")
def link_site():
    server, recorded = link_server.start()
    yield LinkServer(server, recorded)
    recorded.released.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def checker_settings(settings, link_site):
    """The checker pointed at the local server, with small waits so tests stay quick."""
    settings.LINKCHECK_ALLOW_PRIVATE_NETWORKS = True
    settings.LINKCHECK_DOI_RESOLVER = link_site.url("/doi/")
    settings.LINKCHECK_HOST_INTERVAL = 0.05
    settings.LINKCHECK_BACKOFF = 0.05
    settings.LINKCHECK_RETRIES = 1
    settings.LINKCHECK_TIMEOUT = 0.5
    settings.LINKCHECK_USER_AGENT = "FLSE-test-checker/1.0"
    return settings
