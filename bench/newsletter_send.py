"""Sending one newsletter issue to 10,000 subscribers through a local SMTP server (a
script, not a timed test): `make bench-newsletter-send`.

Everything on 127.0.0.1, in a temporary folder removed at the end:
- a fresh SQLite database (or BENCH_DATABASE_URL, which it empties of subscribers and
  issues) with N active subscribers, a third of them with a topic;
- aiosmtpd in this process, counting the messages each address receives;
- the real worker (`manage.py run_worker --batch`) in its own process, unthrottled
  (NEWSLETTER_SEND_PER_MINUTE=0), its peak memory sampled from /proc.

Run 1 sends an issue with no interruption. Run 2 sends a second issue and SIGKILLs the
worker once half the messages have arrived, then starts it again. Each run prints the
messages per second, the worker's peak resident memory, how many addresses received
the issue, and whether any received it twice; run 2 also says how many deliveries the
kill left "uncertain" (handed to the server, reply never heard: not sent again). With
Debian's `spamassassin` installed, one received message is scored (offline rules).

    .venv/bin/python bench/newsletter_send.py [--subscribers 10000] [--batch 200]
"""

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
sys.path.insert(0, str(ROOT))


class CountingMailbox:
    def __init__(self):
        self.received = Counter()
        self.total = 0
        self.reached = threading.Event()
        self.kill_at = None
        self.sample = None

    async def handle_DATA(self, server, session, envelope):
        if self.sample is None:
            self.sample = envelope.original_content  # for SpamAssassin to score
        for address in envelope.rcpt_tos:
            self.received[address] += 1
        self.total += 1
        if self.kill_at and self.total >= self.kill_at:
            self.reached.set()
        await asyncio.sleep(0)
        return "250 Message accepted for delivery"


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_worker(env, *, kill_when=None):
    """Run the worker until it drains the queue (or until `kill_when` is set: SIGKILL).
    Returns (seconds, peak RSS in MiB, killed)."""
    command = [PYTHON, "manage.py", "run_worker", "--batch", "--no-startup-delay"]
    command += ["--no-reload", "--worker-id=bench-worker", "--interval=0.05"]
    started = time.monotonic()
    worker = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peak, killed = 0, False
    while worker.poll() is None:
        peak = max(peak, rss_kib(worker.pid))
        if kill_when is not None and kill_when.wait(0.05):
            worker.send_signal(signal.SIGKILL)
            killed = True
            worker.wait()
            break
        time.sleep(0.05)
    if worker.returncode not in (0, -signal.SIGKILL):
        sys.exit(f"worker failed:\n{worker.stderr.read().decode()[-3000:]}")
    return time.monotonic() - started, peak / 1024, killed


def setup_django(var_dir, database_url):
    os.environ.update(FLSE_VAR_DIR=str(var_dir), DJANGO_DEBUG="false")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flse_hub.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_subscribers(total):
    from django.utils import timezone

    from people.models import Delivery, Interest, NewsletterIssue, Subscriber
    from posts.models import Post, Topic

    Delivery.objects.all().delete()
    NewsletterIssue.objects.all().delete()
    Subscriber.objects.all().delete()
    topic, _ = Topic.objects.get_or_create(slug="housing", defaults={"name": "Housing"})
    now = timezone.now()
    for n in range(2):
        post, _ = Post.objects.get_or_create(
            slug=f"bench-post-{n}",
            defaults={
                "title": f"Benchmark post {n}",
                "standfirst": "What we learned, in a sentence or two.",
                "status": Post.Status.PUBLISHED,
                "published_at": now,
            },
        )
        post.topics.set([topic])
    Subscriber.objects.bulk_create(
        (
            Subscriber(
                email=f"reader{n:05d}@example.org",
                status=Subscriber.Status.ACTIVE,
                consented_at=now,
                consent_version=1,
            )
            for n in range(total)
        ),
        batch_size=1000,
    )
    chooser = Subscriber.objects.order_by("pk").values_list("pk", flat=True)[::3]
    Interest.objects.bulk_create(
        (Interest(subscriber_id=pk, topic_slug="housing") for pk in chooser), batch_size=1000
    )


def start_issue(name):
    from people import digest, sending
    from people.models import NewsletterIssue

    issue = NewsletterIssue.objects.create(subject=f"Benchmark issue {name}", slug=name)
    digest.set_posts(issue, [post.post_id for post in digest.published_posts()])
    count = sending.start(issue)
    return issue, count


def outcome(issue):
    from people import sending

    return sending.progress(issue)


def spam_score(message):
    """SpamAssassin's offline verdict on one received issue (Debian `spamassassin`)."""
    if not shutil.which("spamassassin"):
        print("== SpamAssassin: not installed (apt-get install spamassassin)")
        return
    result = subprocess.run(
        [shutil.which("spamassassin"), "-t", "-L"],
        input=message,
        capture_output=True,
        check=False,
        timeout=300,
    )
    report_text = result.stdout.decode(errors="replace")
    start = report_text.find("Content analysis details:")
    end = report_text.find("\n\n", report_text.find("----", start))
    print("== SpamAssassin (offline rules) on one received issue:")
    print("   " + report_text[start:end].strip().replace("\n", "\n   "))


def report(title, mailbox, count, seconds, peak_mib, progress):
    twice = sum(1 for n in mailbox.received.values() if n > 1)
    delivered = len(mailbox.received)
    print(f"== {title}")
    print(f"   deliveries created: {count}")
    print(f"   messages received: {mailbox.total} by {delivered} addresses; twice: {twice}")
    print(f"   worker time: {seconds:.1f} s, {mailbox.total / seconds:.0f} messages/s")
    print(f"   worker peak memory (RSS): {peak_mib:.0f} MiB")
    counts = {status: n for status, n in progress.items() if n}
    print(f"   deliveries: {counts}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    var_dir = Path(tempfile.mkdtemp(prefix="flse-bench-send-"))
    try:
        database_url = os.environ.get("BENCH_DATABASE_URL", "")
        setup_django(var_dir, database_url)
        make_subscribers(args.subscribers)
        port = free_port()
        mailbox = CountingMailbox()
        smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
        smtp.start()
        env = {
            **os.environ,
            "EMAIL_URL": f"smtp://127.0.0.1:{port}?timeout=30",
            "NEWSLETTER_SEND_PER_MINUTE": "0",
            "NEWSLETTER_BATCH_SIZE": str(args.batch),
            "DJANGO_SITE_URL": "https://hub.example.org",
            # Benchmarks reach only 127.0.0.1: no scheduled check of posts' outside links.
            "LINKCHECK_EVERY_DAYS": "0",
        }
        print(f"Database: {'PostgreSQL' if database_url else 'SQLite'}; batch {args.batch}")
        try:
            issue, count = start_issue("run-1")
            seconds, peak, _ = run_worker(env)
            report("Run 1: no interruption", mailbox, count, seconds, peak, outcome(issue))
            spam_score(mailbox.sample)

            mailbox.received.clear()
            mailbox.total = 0
            mailbox.kill_at = count // 2
            issue, count = start_issue("run-2")
            first, peak_1, killed = run_worker(env, kill_when=mailbox.reached)
            at_kill = mailbox.total
            second, peak_2, _ = run_worker(env)
            print(f"   (killed: {killed}, after {at_kill} messages)")
            report(
                "Run 2: worker SIGKILLed half-way, then started again",
                mailbox,
                count,
                first + second,
                max(peak_1, peak_2),
                outcome(issue),
            )
        finally:
            smtp.stop()
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
