"""The home page while signups wait on a mail server that never answers (a script,
not a timed test).

Starts, all on 127.0.0.1 and all stopped at the end:
- a "mail server" that accepts TCP connections and never says a word;
- the site under gunicorn (2 sync workers, DEBUG off) on a fresh SQLite database
  with the demo posts, EMAIL_URL pointing at the silent server;
- the background worker (`manage.py run_worker`), as in production.
Then it measures the home page (REQUESTS sequential GETs) alone, fires SIGNUPS
signups at once and, while they are pending, measures the home page again. It
prints p50/p95 for both, the signups' response times, and how many signups were
still waiting on the mail server at the end (their emails are due, none sent).

    .venv/bin/python bench/slow_smtp.py            # make bench-slow-smtp
    .venv/bin/python bench/slow_smtp.py --no-worker --src /path/to/older/checkout

--src serves another checkout (e.g. the code before emails became tasks) with
this virtualenv; --no-worker for a checkout that has no worker.
"""

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
SMTP_TIMEOUT = 20  # seconds: what the mail server holds each send for, as in the finding


class SilentMailServer:
    """Accepts connections and holds them open, never sending a greeting."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.closed = True
        self.sock.close()
        for conn in self.held:
            conn.close()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on port {port}")


def request(port, method, path, body=None, timeout=120):
    """(status, seconds) of one request on a fresh connection."""
    headers = {"Host": "127.0.0.1"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        status = conn.getresponse().status
    finally:
        conn.close()
    return status, time.perf_counter() - started


def percentiles(seconds):
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered) * 1000, p95 * 1000, ordered[-1] * 1000


def home_page(port, count):
    times = []
    for _ in range(count):
        status, seconds = request(port, "GET", "/")
        if status != 200:
            raise RuntimeError(f"home page answered {status}")
        times.append(seconds)
    return times


def signup(port, n):
    body = urlencode(
        {"email": f"bench{n}@example.org", "consent_version": "1", "source": "/", "website": ""}
    )
    return request(port, "POST", "/newsletter/", body)


def due_emails(env, src):
    """Signups whose email the mail server has not accepted (read from the rows)."""
    code = (
        "from people.models import Subscriber as S;"
        "print(S.objects.filter(confirmation_sent_at__isnull=True).count(), S.objects.count())"
    )
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "--verbosity", "0", "-c", code],
        cwd=src, env=env, capture_output=True, text=True, check=True, timeout=60,
    ).stdout.split()[-2:]  # fmt: skip
    return int(out[0]), int(out[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signups", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--src", type=Path, default=ROOT, help="checkout to serve")
    parser.add_argument("--no-worker", action="store_true", help="do not start the worker")
    args = parser.parse_args()

    mail_server = SilentMailServer()
    processes = []
    with tempfile.TemporaryDirectory(prefix="flse-slow-smtp-") as var:
        port = free_port()
        env = {
            **os.environ,
            "FLSE_VAR_DIR": var,
            "DATABASE_URL": f"sqlite:///{var}/db.sqlite3",
            "DJANGO_DEBUG": "false",
            "DJANGO_HTTPS": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "EMAIL_URL": f"smtp://127.0.0.1:{mail_server.port}?timeout={SMTP_TIMEOUT}",
            "NEWSLETTER_RATE_PER_IP": "100000/3600",
            # Benchmarks reach only 127.0.0.1: no scheduled check of posts' outside links.
            "LINKCHECK_EVERY_DAYS": "0",
            "DJANGO_LOG_LEVEL": "ERROR",
            # DEBUG off serves hashed static names: collectstatic writes them here.
            "DJANGO_STATIC_ROOT": f"{var}/static",
        }
        try:
            for command in (
                ["migrate", "--noinput"],
                ["load_demo_content"],
                ["collectstatic", "--noinput"],
            ):
                subprocess.run(
                    [PYTHON, "manage.py", *command],
                    cwd=args.src,
                    env=env,
                    check=True,
                    capture_output=True,
                    timeout=300,
                )
            processes.append(
                subprocess.Popen(
                    [
                        GUNICORN,
                        "flse_hub.wsgi:application",
                        "--workers",
                        "2",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--timeout",
                        "120",
                        "--log-level",
                        "error",
                    ],
                    cwd=args.src,
                    env=env,
                )
            )
            if not args.no_worker:
                processes.append(
                    subprocess.Popen(
                        [
                            PYTHON,
                            "manage.py",
                            "run_worker",
                            "--no-reload",
                            "--verbosity",
                            "0",
                            "--worker-id",
                            "bench-worker",
                        ],
                        cwd=args.src,
                        env=env,
                    )
                )
            wait_for_port(port)
            home_page(port, 10)  # warm both workers' caches and connections

            alone = home_page(port, args.requests)

            with ThreadPoolExecutor(max_workers=args.signups) as pool:
                pending = [pool.submit(signup, port, n) for n in range(args.signups)]
                # Signups go first: the home page is measured while they wait.
                time.sleep(0.2)
                during = home_page(port, args.requests)
                signups = [future.result() for future in pending]
            waiting, total = due_emails(env, args.src)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
            mail_server.close()

    statuses = sorted({status for status, _ in signups})
    print(f"{args.src}: gunicorn 2 sync workers, DEBUG off, SQLite; mail server never answers")
    print(f"{'':34}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for label, times in [
        (f"home page alone (n={len(alone)})", alone),
        (f"home page, {args.signups} signups pending", during),
        (f"signups (n={len(signups)}, {statuses})", [s for _, s in signups]),
    ]:
        p50, p95, worst = percentiles(times)
        print(f"{label:34}{p50:9.1f}{p95:9.1f}{worst:9.1f}")
    print(f"signups whose email was still unsent at the end: {waiting} of {total}")


if __name__ == "__main__":
    main()
