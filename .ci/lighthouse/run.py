"""`make lighthouse`: Lighthouse's four scores for the home page, a post, a search page
and /about/ (when the site has one), on a production-like server started here.

The site runs from a throwaway folder (its own SQLite database with the demo content,
collected static files served by WhiteNoise) under gunicorn with DEBUG off, on a free
loopback port, over plain HTTP (Lighthouse treats 127.0.0.1 as secure). Lighthouse
drives Debian's chromium (CHROME_PATH). Exits 1 if accessibility, best practices or SEO
is below 100 on any page but search, whose result lists are scored for information.

    .venv/bin/python .ci/lighthouse/run.py [--desktop] [--keep]
"""

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
ATTEMPTS = 3
MUST_BE_100 = ["accessibility", "best-practices", "seo"]
POST_SLUG = "punching-above-your-weight-getting-academically-published-as-a-non-profit"
PAGES = [
    ("home", "/", True),
    ("post", f"/posts/{POST_SLUG}/", True),
    ("search", "/search/?q=clinical+supervision", False),
    ("about", "/about/", True),  # only if the site has it (the Pages feature)
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def status_of(url):
    try:
        # Only ever our own http://127.0.0.1 address.
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def start_site(workdir):
    env = {
        **os.environ,
        "FLSE_VAR_DIR": str(workdir),
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "EMAIL_URL": f"file://{workdir / 'mail'}",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "CACHE_URL": "locmem:",
    }
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo_content", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "flse_hub.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while status_of(base + "/") != 200:
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            sys.exit("The site did not start; see gunicorn's messages above.")
        time.sleep(0.3)
    return server, base


def lighthouse(url, output, desktop):
    chrome = shutil.which("chromium")
    command = [
        str(LIGHTHOUSE), url, "--output=json", f"--output-path={output}", "--quiet",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        f"--only-categories={','.join(CATEGORIES)}",
    ]  # fmt: skip
    if desktop:
        command.append("--preset=desktop")
    # On this busy 2-core machine a run now and then loses its trace (NO_NAVSTART) and
    # exits 1; the next run of the same page succeeds.
    for attempt in range(1, ATTEMPTS + 1):
        done = subprocess.run(command, env={**os.environ, "CHROME_PATH": chrome})  # noqa: S603
        if done.returncode == 0:
            return json.loads(Path(output).read_text())
        print(f"Lighthouse failed on {url} (attempt {attempt} of {ATTEMPTS}).")
    sys.exit(f"Lighthouse could not audit {url}.")


def failing_audits(report, category):
    audits = report["audits"]
    for ref in report["categories"][category]["auditRefs"]:
        audit = audits[ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
            yield f"{audit['id']} ({audit['score']:.2f}): {audit['title']}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--desktop", action="store_true", help="Lighthouse's desktop preset")
    parser.add_argument("--keep", action="store_true", help="keep the JSON reports")
    options = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: run `make lighthouse` (it runs npm ci first).")
    if not shutil.which("chromium"):
        sys.exit("chromium is not installed: apt-get install -y chromium")
    workdir = Path(tempfile.mkdtemp(prefix="flse-lighthouse-"))
    server, base = start_site(workdir)
    rows, problems = [], []
    try:
        for name, path, strict in PAGES:
            if status_of(base + path) != 200:
                print(f"{name}: {path} is not on this site; skipped.")
                continue
            report = lighthouse(base + path, workdir / f"{name}.json", options.desktop)
            scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
            rows.append((name, path, scores))
            for category in CATEGORIES:
                if scores[category] < 100:
                    details = list(failing_audits(report, category))
                    gate = strict and category in MUST_BE_100
                    problems.append((gate, name, category, details))
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    preset = "desktop" if options.desktop else "mobile"
    print(f"\nLighthouse {preset} scores ({base}, gunicorn, DEBUG off):\n")
    print(f"| page | address | {' | '.join(CATEGORIES)} |")
    print(f"| --- | --- | {' | '.join('---:' for _ in CATEGORIES)} |")
    for name, path, scores in rows:
        print(f"| {name} | {path} | {' | '.join(str(scores[c]) for c in CATEGORIES)} |")
    for gate, name, category, details in problems:
        label = "BELOW 100" if gate else "below 100 (not gated)"
        print(f"\n{name}, {category}: {label}")
        for line in details:
            print(f"  - {line}")
    if options.keep:
        print(f"\nReports kept in {workdir}")
    failed = [p for p in problems if p[0]]
    if failed:
        print("\nAccessibility, best practices and SEO must be 100 on every page but search.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
