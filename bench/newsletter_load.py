"""Load check for newsletter signups (a script, not a timed test).

Starts the site the way `make run` does (DJANGO_DEBUG=true, runserver on
127.0.0.1) on a free port with a fresh temporary database and the file mail
backend, raises the rate limits through the environment, then sends signups
from concurrent clients. Each client first GETs /newsletter/, as a browser
would. It prints signups per second, latency
percentiles and status counts, and checks that the stored rows are exactly
the distinct addresses.

    .venv/bin/python bench/newsletter_load.py                 # SQLite and PostgreSQL
    .venv/bin/python bench/newsletter_load.py --db sqlite --server gunicorn

PostgreSQL: BENCH_DATABASE_URL (a database the script may fill), or else a
throw-away server started like .ci/run does (needs postgresql-15 and root).
"""

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port(start):
    port = start
    while True:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
                return port
            except OSError:
                port += 1


def wait_for_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on port {port}")


@contextmanager
def postgres():
    """A database URL: BENCH_DATABASE_URL, or a private PostgreSQL server for the run."""
    if url := os.environ.get("BENCH_DATABASE_URL"):
        yield url
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    port = free_port(56250)

    def as_postgres(*args):
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *map(str, args)],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    data = folder / "data"
    try:
        as_postgres(PG_BIN / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8")
        as_postgres(
            PG_BIN / "pg_ctl",
            "-D",
            data,
            "-l",
            folder / "server.log",
            "-w",
            "start",
            "-o",
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200",
        )
        as_postgres(
            PG_BIN / "psql",
            "-h",
            "127.0.0.1",
            "-p",
            port,
            "-U",
            "postgres",
            "-q",
            "-c",
            "CREATE ROLE bench LOGIN PASSWORD 'bench'",
            "-c",
            "CREATE DATABASE bench OWNER bench",
        )
        yield f"postgres://bench:bench@127.0.0.1:{port}/bench"
    finally:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


def server_env(var_dir, database_url):
    env = dict(os.environ)
    env.update(
        DJANGO_DEBUG="true",  # as `make run`
        FLSE_VAR_DIR=str(var_dir),
        EMAIL_URL=f"file://{var_dir / 'sent-emails'}",
        NEWSLETTER_RATE_PER_IP="1000000/3600",
        NEWSLETTER_RATE_PER_ADDRESS="1000/3600",
        DJANGO_LOG_LEVEL="ERROR",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    return env


@contextmanager
def running_server(kind, env, port):
    if kind == "runserver":
        command = [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    else:
        command = [
            str(Path(PYTHON).parent / "gunicorn"),
            "flse_hub.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(os.cpu_count() or 2),
            "--threads",
            "8",
            "--log-level",
            "error",
        ]
    log = open(Path(env["FLSE_VAR_DIR"]) / "server.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port)
        yield
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def addresses(total, duplicates, seed=4):
    """`total` signups: total - duplicates distinct addresses, then repeats in another case."""
    rng = random.Random(seed)
    distinct = [f"reader{n:05d}@bench.example.org" for n in range(total - duplicates)]
    repeats = [
        rng.choice(distinct).upper() if n % 2 else rng.choice(distinct) for n in range(duplicates)
    ]
    work = distinct + repeats
    rng.shuffle(work)
    return work, {a.lower() for a in distinct}


def client_loop(port, jobs, lock, results):
    # One keep-alive connection per client, as a browser holds one: opening a
    # new connection per request overflows runserver's listen backlog of 10.
    connection = None

    def request(method, path, body=None):
        nonlocal connection
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        except OSError:
            connection.close()
            connection = None
            raise
        if response.will_close:
            connection.close()
            connection = None
        return response, content

    # A browser loads the page first; the signup form needs no CSRF cookie
    # (people.views explains why), so there is nothing to carry over.
    request("GET", "/newsletter/")
    while True:
        with lock:
            if not jobs:
                return
            email = jobs.pop()
        body = urlencode(
            {
                "email": email,
                "consent_version": 1,
                "source": "/newsletter/",
                "website": "",
            }
        )
        started = time.perf_counter()
        try:
            response, _ = request("POST", "/newsletter/", body)
            status = response.status
        except OSError as error:
            status = f"error: {error}"
        results.append((status, time.perf_counter() - started))


def stored_addresses(env):
    script = (
        "import json; from people.models import Subscriber; "
        "print(json.dumps([list(Subscriber.objects.values_list('email', flat=True)), "
        "list(Subscriber.objects.order_by().values_list('status', flat=True).distinct())]))"
    )
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def run(db, server, total, duplicates, clients):
    var_dir = Path(tempfile.mkdtemp(prefix="bench-newsletter-"))
    try:
        with postgres() if db == "postgresql" else nullcontext() as database_url:
            env = server_env(var_dir, database_url)
            subprocess.run(
                [PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
            )
            if database_url:
                # Start from no subscribers, even in a reused BENCH_DATABASE_URL database.
                subprocess.run(
                    [
                        PYTHON,
                        "manage.py",
                        "shell",
                        "-v",
                        "0",
                        "-c",
                        "from people.models import Subscriber; Subscriber.objects.all().delete()",
                    ],
                    cwd=ROOT,
                    env=env,
                    check=True,
                )
            port = free_port(8200)
            work, distinct = addresses(total, duplicates)
            jobs, lock, results = list(work), threading.Lock(), []
            with running_server(server, env, port):
                threads = [
                    threading.Thread(target=client_loop, args=(port, jobs, lock, results))
                    for _ in range(clients)
                ]
                started = time.perf_counter()
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                elapsed = time.perf_counter() - started
            stored, statuses = stored_addresses(env)
            # The file backend may append several messages to one file: count messages.
            mails = sum(
                path.read_bytes().count(b"\nMessage-ID: ")
                for path in (var_dir / "sent-emails").glob("*.log")
            )
            log_lines = (var_dir / "server.log").read_text(errors="replace").splitlines()
            first = next((n for n, line in enumerate(log_lines) if "Traceback" in line), None)
            # The first traceback in full, to say what went wrong.
            errors = [] if first is None else log_lines[first : first + 60]
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)

    latencies = sorted(seconds for _, seconds in results)
    codes = {}
    for status, _ in results:
        codes[status] = codes.get(status, 0) + 1
    five_xx = sum(n for code, n in codes.items() if not isinstance(code, int) or code >= 500)
    stored_lower = [email.lower() for email in stored]
    exact = len(stored_lower) == len(set(stored_lower)) and set(stored_lower) == distinct

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    print(
        f"== {db} / {server}: {len(results)} signups ({duplicates} duplicates) "
        f"from {clients} clients"
    )
    print(f"   signups/second: {len(results) / elapsed:.1f}   (wall time {elapsed:.2f} s)")
    print(
        f"   latency ms: p50 {pct(50):.0f}  p90 {pct(90):.0f}  p99 {pct(99):.0f}  "
        f"max {latencies[-1] * 1000:.0f}  mean {statistics.mean(latencies) * 1000:.0f}"
    )
    print(f"   responses: {codes}   5xx/errors: {five_xx}")
    for line in errors:
        print(f"   server log: {line}")
    print(
        f"   stored rows: {len(stored)}   distinct addresses sent: {len(distinct)}   "
        f"exactly equal: {exact}   statuses: {statuses}   emails written: {mails}"
    )
    return five_xx == 0 and exact and codes.get(302, 0) == len(results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--server", choices=["runserver", "gunicorn", "both"], default="runserver")
    parser.add_argument("--signups", type=int, default=1000)
    parser.add_argument("--duplicates", type=int, default=200)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    servers = ["runserver", "gunicorn"] if args.server == "both" else [args.server]
    ok = True
    for server in servers:
        for db in databases:
            ok &= run(db, server, args.signups, args.duplicates, args.clients)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
