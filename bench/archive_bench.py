"""The static archive (manage.py export_static): export time, size and file count for the
demo site and a generated site, and nginx's throughput on the archive's pages against a
plain static file in the same run (a script, not a timed test; `make bench-archive`).

All on 127.0.0.1 in a temporary folder, removed at the end:
1. A fresh SQLite database with the demo content: exported, timed, measured.
2. nginx (Debian's) serves that folder as the README says; wrk (or, without it, a small
   Python load generator) asks for the home page, a post, a list page and a topic page,
   and for a plain static file of about a post's size outside the archive, in interleaved
   rounds; the median requests/second of each is printed.
3. POSTS generated posts (default 10,000; 300 people, 34 topics, seeded, bulk-created)
   added to the same database: exported, timed, measured.

    .venv/bin/python bench/archive_bench.py [--posts 10000] [--rounds 3] [--seconds 5]
"""

import argparse
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
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = [
    "support",
    "housing",
    "recovery",
    "trauma",
    "women",
    "services",
    "people",
    "change",
    "systems",
    "peer",
    "work",
    "team",
    "learning",
    "practice",
    "evidence",
    "health",
    "mental",
    "substance",
    "use",
    "partnership",
    "commissioning",
    "lived",
    "experience",
    "coproduction",
    "evaluation",
    "outreach",
    "hostel",
    "navigator",
    "worker",
    "trust",
    "relationship",
    "community",
    "funding",
    "frontline",
    "barriers",
    "flexible",
    "response",
    "multiple",
    "complex",
    "needs",
]


def setup_django(var_dir):
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "flse_hub.settings",
            "FLSE_VAR_DIR": str(var_dir),
            "DATABASE_URL": f"sqlite:///{var_dir / 'bench.sqlite3'}",
            "DJANGO_DEBUG": "false",
            "DJANGO_HTTPS": "false",
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DJANGO_SECRET_KEY": "benchmark-only-not-secret",
            "CACHE_URL": "locmem:",
        }
    )
    os.environ.pop("MEDIA_STORAGE_URL", None)
    sys.path.insert(0, str(ROOT))
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()


def generate_posts(n, seed=13):
    """n published posts (bodies of 300-700 words) with credits and topics, bulk-created."""
    from django.db import transaction

    from flse_hub import freshness
    from people.models import Person
    from posts.models import Credit, Post, TaggedPost, Topic

    rng = random.Random(seed)
    topics = list(Topic.objects.all())
    topics += [Topic.objects.create(name=f"Subject {i}", slug=f"subject-{i}") for i in range(20)]
    people = Person.objects.bulk_create(
        Person(name=f"Generated Person {i}", slug=f"generated-person-{i}") for i in range(300)
    )
    epoch = datetime(2012, 1, 1, 9, tzinfo=UTC)
    with transaction.atomic():
        for first in range(0, n, 2000):
            posts = []
            for i in range(first, min(n, first + 2000)):
                words = [rng.choice(WORDS) for _ in range(rng.randint(300, 700))]
                body = "".join(
                    "<p>" + " ".join(words[k : k + 80]) + ".</p>" for k in range(0, len(words), 80)
                )
                title = " ".join(rng.choice(WORDS) for _ in range(6)).capitalize()
                posts.append(
                    Post(
                        title=title,
                        slug=f"generated-{i}",
                        standfirst=" ".join(rng.choice(WORDS) for _ in range(30)) + ".",
                        body=body,
                        status=Post.Status.PUBLISHED,
                        published_at=epoch + timedelta(hours=i),
                    )
                )
            posts = Post.objects.bulk_create(posts)
            Credit.objects.bulk_create(
                Credit(post=post, person=person, order=order)
                for post in posts
                for order, person in enumerate(rng.sample(people, rng.randint(1, 2)))
            )
            TaggedPost.objects.bulk_create(
                TaggedPost(content_object=post, tag=topic)
                for post in posts
                for topic in rng.sample(topics, rng.randint(1, 3))
            )
    freshness.bump()


def export(folder):
    from flse_hub.archive.check import broken_links
    from flse_hub.archive.export import StaticExport

    report = StaticExport(folder, "http://127.0.0.1").run()
    broken = broken_links(folder, "http://127.0.0.1")
    return {
        "export_seconds": round(report.seconds, 1),
        "pages": report.pages,
        "files": report.files,
        "megabytes": round(report.bytes / 1e6, 1),
        "broken_links": len(broken),
        "not_exported": len(report.problems),
    }


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


NGINX_CONF = """
daemon off;
user root;
worker_processes auto;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {archive};
        index index.html index.xml;
        location = /_plain.html {{ alias {tmp}/plain.html; }}
        location / {{ try_files $uri $uri/ =404; }}
    }}
}}
"""


def start_nginx(tmp, archive):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        sys.exit("nginx is not installed: apt-get install nginx-light")
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, archive=archive))
    process = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp)])
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_plain.html", timeout=1)
            return process, port
        except OSError:
            time.sleep(0.05)
    process.kill()
    sys.exit(f"nginx did not answer; see {tmp}/nginx-error.log")


def requests_per_second(url, seconds, connections=32):
    """wrk's figure, or a small threaded HTTP/1.1 keep-alive load generator's."""
    wrk = shutil.which("wrk")
    if wrk:
        out = subprocess.run(
            [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        line = next(line for line in out.splitlines() if line.startswith("Requests/sec"))
        if "Non-2xx" in out:
            sys.exit(f"{url} answered errors:\n{out}")
        return float(line.split()[1])
    import http.client

    parts = url.split("/", 3)
    host, port = parts[2].split(":")
    path = "/" + parts[3]
    counts = []
    deadline = time.monotonic() + seconds

    def worker():
        connection, count = http.client.HTTPConnection(host, int(port)), 0
        while time.monotonic() < deadline:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            assert response.status == 200, url
            count += 1
        counts.append(count)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds


def throughput(tmp, archive, rounds, seconds):
    post = next(iter(sorted((archive / "posts").glob("*/index.html"))))
    # A plain static file of a post page's size, outside the archive.
    (tmp / "plain.html").write_bytes(b"x" * post.stat().st_size)
    targets = {
        "plain static file": "_plain.html",
        "home page": "",
        "post page": f"posts/{post.parent.name}/",
        "post list page": "posts/",
        "topic page": "topics/co-production/",
    }
    process, port = start_nginx(tmp, archive)
    samples = {name: [] for name in targets}
    try:
        for _ in range(rounds):
            for name, path in targets.items():
                samples[name].append(
                    requests_per_second(f"http://127.0.0.1:{port}/{path}", seconds)
                )
    finally:
        process.terminate()
        process.wait()
    return {name: round(statistics.median(values)) for name, values in samples.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="archive-bench-"))
    try:
        setup_django(tmp)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("load_demo_content", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        demo = export(tmp / "demo-archive")
        print("demo site:", json.dumps(demo), flush=True)
        rates = throughput(tmp, tmp / "demo-archive", args.rounds, args.seconds)
        tool = "wrk -t2 -c32" if shutil.which("wrk") else "python load generator (8 threads)"
        print(
            f"nginx on the demo archive, requests/s (median of {args.rounds} rounds of "
            f"{args.seconds} s, {tool}):",
            json.dumps(rates),
            flush=True,
        )
        started = time.monotonic()
        generate_posts(args.posts)
        print(f"generated {args.posts} posts in {time.monotonic() - started:.0f} s", flush=True)
        shutil.rmtree(tmp / "demo-archive")
        big = export(tmp / "big-archive")
        print(f"demo site + {args.posts} posts:", json.dumps(big), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
