"""Time manage.py import_wordpress on WordPress's theme test export (issue 13).

Each run gets a fresh SQLite database and media folder (migrated first, not timed) and
times the import command alone, wall clock; prints the median of --runs (default 3) and
the counts of the last run. Twice: with no files (the attachments' addresses cannot be
reached from here: reported), and with a generated wp-content/uploads copy (a 1600 x 1200
JPEG for each attachment) given as --media-dir, so that the media path is timed too.

    make bench-import                      # or: .venv/bin/python bench/import_wordpress_bench.py
    BENCH_ARGS="--runs 5 --export PATH" make bench-import
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def default_export():
    if named := os.environ.get("WORDPRESS_TEST_EXPORT"):
        return Path(named)
    return ROOT / "tests" / "wordpress" / "data" / "themeunittestdata.wordpress.xml"


def manage(env, *args, capture=True):
    return subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=capture, text=True
    )


def make_uploads(export, folder):
    sys.path.insert(0, str(ROOT))
    from PIL import Image

    from flse_hub.wordpress.fetch import upload_path
    from flse_hub.wordpress.wxr import read_export

    count = 0
    for item in read_export(export).items:
        relative = item.meta.get("_wp_attached_file", "") or upload_path(item.attachment_url)
        if item.type != "attachment" or not relative.lower().endswith((".jpg", ".jpeg", ".png")):
            continue
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        colour = (count * 37 % 256, count * 91 % 256, 140)
        Image.new("RGB", (1600, 1200), colour).save(path, "JPEG", quality=85)
        count += 1
    return count


def one_run(export, media_dir):
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "MEDIA_ROOT": f"{tmp}/media",
            "DJANGO_SUPERUSER_PASSWORD": "bench-only",
        }
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "createsuperuser", "--noinput", "--username", "bench", "--email", "b@x.org")
        args = ["import_wordpress", str(export), "--user", "bench", "--no-download"]
        if media_dir:
            args += ["--media-dir", str(media_dir)]
        started = time.perf_counter()
        result = manage(env, *args)
        elapsed = time.perf_counter() - started
    summary = [line for line in result.stdout.splitlines() if not line.startswith("- ")]
    return elapsed, summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, choices=range(1, 21))
    parser.add_argument("--export", type=Path, default=default_export())
    options = parser.parse_args()
    if options.export is None or not options.export.is_file():
        sys.exit("The theme test export was not found: give --export PATH.")
    with tempfile.TemporaryDirectory(prefix="bench-uploads-") as uploads:
        files = make_uploads(options.export, Path(uploads))
        for label, media_dir in [("no media", None), (f"--media-dir ({files} JPEGs)", uploads)]:
            times = []
            for _ in range(options.runs):
                elapsed, summary = one_run(options.export, media_dir)
                times.append(elapsed)
            print(
                f"{label}: median {statistics.median(times):.1f} s of {options.runs} runs "
                f"({', '.join(f'{t:.1f}' for t in times)})"
            )
            for line in summary:
                print(f"    {line}")


if __name__ == "__main__":
    main()
