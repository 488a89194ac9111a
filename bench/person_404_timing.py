"""Does a person page's 404 tell an outsider that the record exists? (a script, not a test)

Times the person page and the person feed for a person whose only credits are
anonymous and for a slug that never existed, interleaved, with production
settings on a fresh temporary SQLite database, in-process (Django's test
client), and prints the median of each. The two should match.

    .venv/bin/python bench/person_404_timing.py [requests per case, default 400]
"""

import atexit
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["FLSE_VAR_DIR"] = VAR_DIR = tempfile.mkdtemp(prefix="flse-404-")
atexit.register(shutil.rmtree, VAR_DIR, ignore_errors=True)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flse_hub.settings")

import django  # noqa: E402

django.setup()
logging.getLogger("django.request").setLevel(logging.ERROR)  # no "Not Found" per request

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from tests.factories import make_person, make_post  # noqa: E402


def main(n):
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    hidden = make_person("Hidden Writer")
    named = make_person("Named Writer")
    for i in range(20):
        make_post(f"Anonymous post {i}", authors=[(hidden, {"anonymous": True})])
        make_post(f"Named post {i}", authors=[named])
    client = Client()
    cases = [("anonymous only", hidden.slug), ("never existed", "never-existed")]
    for page, path in [("person page", "/people/{}/"), ("person feed", "/feeds/people/{}/atom/")]:
        times = {label: [] for label, _ in cases}
        for i in range(n):
            for label, slug in cases if i % 2 else cases[::-1]:
                start = time.perf_counter()
                response = client.get(path.format(slug), HTTP_HOST="127.0.0.1", secure=True)
                times[label].append(time.perf_counter() - start)
                assert response.status_code == 404, (label, response.status_code)
        medians = ", ".join(f"{k} {statistics.median(v) * 1000:.2f} ms" for k, v in times.items())
        print(f"{page}: median 404 {medians} (n={n} each)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
