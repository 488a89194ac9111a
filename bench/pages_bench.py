"""What a public page costs the server, at 10 and 10,000 posts, on SQLite and PostgreSQL
(issue 15; a script, not a timed test).

    make bench-pages                                   # bench/run.sh starts a PostgreSQL
    BENCH_ARGS="--sizes 10 --seconds 2 --rounds 1" make bench-pages     # a quick look

For each database and size a child process builds a database of its own (the search
benchmark's corpus: bodies of 600-1,500 words, 1-4 topics and 1-3 people a post), indexes
it for search and collects static files. Then, all on 127.0.0.1, it starts per database
and size two gunicorn servers (2 sync workers, DEBUG off): one with the page cache and
one without (FLSE_PAGE_CACHE_SECONDS=0, so every request renders), and one more serving a
bare Django view (bench/bare_django.py) for the framework's own cost.

Each page is measured three ways: "cold" (rendered: the cache-less server; the archive's
figures are warm, as they are on a live site after the first page following a change),
"hit" (kept whole) and "304" (If-None-Match with the page's ETag). A measurement is wrk
at one connection for --seconds after a one-second warm-up; server CPU is the user+system
time of the gunicorn process tree, plus PostgreSQL's backends, divided by the requests
served. Systems and modes are interleaved within each round; the table shows medians over
--rounds, and the ratio to the bare view measured in the same slot. Queries per page come
from Django's test client in the child. Worker RSS is read at the end.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
TICKS = os.sysconf("SC_CLK_TCK")
MODES = ("cold", "hit", "304")


# ------------------------------------------------------------------------- child: the data


def child_build(n):
    """Build the database in DATABASE_URL with n posts; print the pages to measure."""
    sys.path.insert(0, str(ROOT / "bench"))
    import search_benchmark

    search_benchmark.setup_django()
    log = lambda *a: print(f"[N={n}]", *a, file=sys.stderr, flush=True)  # noqa: E731
    search_benchmark.build_corpus(n, log)
    search_benchmark.index_corpus(log)

    from django.core.management import call_command

    from flse_hub import freshness
    from people.models import Person
    from posts.models import Credit, Post, Topic

    freshness.bump()  # bulk_create sends no signals
    call_command("collectstatic", "--noinput", verbosity=0)
    published = Post.objects.published()
    post = published.filter(topics__isnull=False).first()
    topic = Topic.objects.filter(tagged_posts__content_object__in=published).first()
    person = Person.objects.filter(
        credits__anonymous=False, credits__post__in=published.values("pk")
    ).first()
    pages = -(-published.count() // 10)
    deep = max(1, pages // 2)
    urls = {
        "home": "/",
        "post list": "/posts/",
        "post list, middle page": f"/posts/?page={deep}",  # page 500 of 1,000 at 10,000
        "post": post.get_absolute_url(),
        "topic": topic.get_absolute_url(),
        "person": person.get_absolute_url(),
        "feed": "/feeds/atom/",
        "search": "/search/?q=support+services",
        "sitemap index": "/sitemap.xml",
        "sitemap, posts": "/sitemap-posts.xml",
    }
    assert Credit.objects.exists()
    print("URLS " + json.dumps(urls), flush=True)
    print("QUERIES " + json.dumps(count_queries(urls)), flush=True)


def count_queries(urls):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    counts = {}
    for name, url in urls.items():
        with override_settings(PAGE_CACHE_SECONDS=0):
            reader = Client()
            reader.get(url, HTTP_HOST="127.0.0.1")  # the archive's figures, once per version
            with CaptureQueriesContext(connection) as cold:
                reader.get(url, HTTP_HOST="127.0.0.1")
            # Now: the log is emptied when the next request starts.
            cold_queries = len(cold)
        reader = Client()
        reader.get(url, HTTP_HOST="127.0.0.1")
        with CaptureQueriesContext(connection) as hit:
            response = reader.get(url, HTTP_HOST="127.0.0.1")
        hit_queries = len(hit)
        assert getattr(response.wsgi_request, "answered_from_page_cache", False), url
        with CaptureQueriesContext(connection) as revalidated:
            response = reader.get(url, HTTP_HOST="127.0.0.1", HTTP_IF_NONE_MATCH=response["ETag"])
        assert response.status_code == 304, url
        counts[name] = {"cold": cold_queries, "hit": hit_queries, "304": len(revalidated)}
    return counts


# ------------------------------------------------------------------------ parent: servers


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered on port {port}")


def children_of(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def postmaster_pid(port):
    """The PostgreSQL server listening on `port` (its backends' CPU is the page's too)."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"postgres") and str(port).encode() in args:
            return int(cmdline.parent.name)
    return None


class Server:
    def __init__(self, label, args, env, cwd=ROOT, postmaster=None):
        self.label, self.port, self.postmaster = label, free_port(), postmaster
        self.process = subprocess.Popen(
            [GUNICORN, *args, "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
             "--log-level", "warning"],
            cwd=cwd, env=env, start_new_session=True,
        )  # fmt: skip
        wait_for(self.port)

    def pids(self):
        pids = [self.process.pid, *children_of(self.process.pid)]
        if self.postmaster:
            pids += children_of(self.postmaster)
        return pids

    def worker_rss(self):
        return [rss_mb(pid) for pid in children_of(self.process.pid)]

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def fetch(port, url, headers=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{url}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (http only)
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def wrk(port, url, seconds, headers=()):
    args = ["wrk", "-t1", "-c1", f"-d{seconds:g}s"]
    for header in headers:
        args += ["-H", header]
    out = subprocess.run(
        [*args, f"http://127.0.0.1:{port}{url}"], capture_output=True, text=True, check=True
    ).stdout
    served = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise RuntimeError(f"{url}: {bad.group(1)} error responses\n{out}")
    return served


def measure(server, url, seconds, headers=()):
    """Server CPU milliseconds per request."""
    wrk(server.port, url, 1, headers)  # warm-up: code paths, connections, the page cache
    pids = server.pids()
    before = cpu_seconds(pids)
    served = wrk(server.port, url, seconds, headers)
    spent = cpu_seconds(pids) - before
    return 1000 * spent / max(served, 1)


# ------------------------------------------------------------------------- parent: the run


def pg_admin(url, sql):
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql)
    conn.close()


def build(backend, n, pg_url, work):
    var_dir = Path(tempfile.mkdtemp(prefix=f"{backend}-{n}-", dir=work))
    if backend == "sqlite":
        url = f"sqlite:///{var_dir}/bench.sqlite3"
    else:
        name = f"flse_pages_{n}_{os.getpid()}"
        pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{name}"')
        pg_admin(pg_url, f'CREATE DATABASE "{name}"')
        url = urlunsplit(urlsplit(pg_url)._replace(path=f"/{name}"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "FLSE_VAR_DIR": str(var_dir),
        "DJANGO_STATIC_ROOT": str(var_dir / "static"),
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECRET_KEY": "benchmark-only-not-secret",
    }
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(n)],
        env=env, stdout=subprocess.PIPE, text=True, check=True,
    ).stdout  # fmt: skip
    lines = dict(line.split(" ", 1) for line in out.splitlines() if line[:4] in ("URLS", "QUER"))
    return env, json.loads(lines["URLS"]), json.loads(lines["QUERIES"]), url


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10,10000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    pg_url = os.environ.get("BENCH_DATABASE_URL", "")
    databases = args.databases.split(",")
    if "postgresql" in databases and not pg_url:
        print("PostgreSQL skipped: set BENCH_DATABASE_URL (bench/run.sh starts a server).")
        databases.remove("postgresql")
    postmaster = postmaster_pid(urlsplit(pg_url).port or 5432) if pg_url else None

    work = tempfile.mkdtemp(prefix="flse-pages-bench-")
    systems, servers, dropped = {}, [], []
    try:
        for backend in databases:
            for n in (int(s) for s in args.sizes.split(",")):
                label = f"{backend} {n:,}"
                print(f"== building {label}", flush=True)
                env, urls, queries, url = build(backend, n, pg_url, work)
                if backend == "postgresql":
                    dropped.append(url)
                pm = postmaster if backend == "postgresql" else None
                cached = Server(label, ["flse_hub.wsgi:application"], env, postmaster=pm)
                cold = Server(
                    label + " cold", ["flse_hub.wsgi:application"],
                    {**env, "FLSE_PAGE_CACHE_SECONDS": "0"}, postmaster=pm,
                )  # fmt: skip
                servers += [cached, cold]
                systems[label] = {"urls": urls, "queries": queries, "cached": cached, "cold": cold}
        bare = Server("bare", ["bare_django:application"], dict(os.environ), cwd=ROOT / "bench")
        servers.append(bare)

        samples = {}  # (system, page, mode) -> [ms]
        bare_samples = {}  # (system, page, mode) -> [bare ms in the same slot]
        pages = list(next(iter(systems.values()))["urls"])
        for round_number in range(1, args.rounds + 1):
            print(f"== round {round_number} of {args.rounds}", flush=True)
            for page in pages:
                for label, system in systems.items():
                    url = system["urls"][page]
                    status, headers = fetch(system["cached"].port, url)
                    assert status == 200, (label, url, status)
                    etag = headers["ETag"]
                    assert fetch(system["cached"].port, url, {"If-None-Match": etag})[0] == 304
                    for mode in MODES:
                        server = system["cold" if mode == "cold" else "cached"]
                        extra = [f"If-None-Match: {etag}"] if mode == "304" else []
                        ms = measure(server, url, args.seconds, extra)
                        samples.setdefault((label, page, mode), []).append(ms)
                    # The framework's own cost in the same slot, for the ratios.
                    bare_samples.setdefault((label, page), []).append(
                        measure(bare, "/", args.seconds)
                    )
        report(systems, pages, samples, bare_samples, servers, args)
    finally:
        for server in servers:
            server.stop()
        for url in dropped:
            name = urlsplit(url).path.lstrip("/")
            pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{name}"')
        shutil.rmtree(work, ignore_errors=True)


def report(systems, pages, samples, bare_samples, servers, args):
    results = {}
    print()
    print(
        f"Server CPU ms per request (medians of {args.rounds} rounds, wrk -c1 "
        f"{args.seconds:g} s), ×: ratio to the bare Django view in the same slot; q: queries"
    )
    header = f"{'page':24}" + "".join(f"| {label:^33}" for label in systems)
    print(header)
    print(f"{'':24}" + "| cold         hit         304     " * len(systems))
    for page in pages:
        cells = []
        for label, system in systems.items():
            row = {}
            cell = ""
            for mode in MODES:
                ms = statistics.median(samples[(label, page, mode)])
                bare = statistics.median(bare_samples[(label, page)])
                q = system["queries"][page][mode]
                row[mode] = {"ms": round(ms, 2), "bare_ms": round(bare, 2),
                             "ratio": round(ms / bare, 1), "queries": q}  # fmt: skip
                cell += f"{ms:5.1f} {ms / bare:4.1f}× {q}q "
            results.setdefault(label, {})[page] = row
            cells.append(f"| {cell:33}")
        print(f"{page:24}" + "".join(cells))
    bare_all = [ms for values in bare_samples.values() for ms in values]
    print(f"bare Django view: median {statistics.median(bare_all):.2f} ms per request")
    print("worker RSS after the run (MB):")
    for server in servers:
        print(f"  {server.label:26} " + ", ".join(f"{mb:.0f}" for mb in server.worker_rss()))
    print("RESULT " + json.dumps(results))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child_build(int(sys.argv[2]))
    else:
        main()
