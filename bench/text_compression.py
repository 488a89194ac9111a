"""Lighthouse's "Enable text compression" audit (uses-text-compression) on the cluster of
README "Running at scale" (tests/cluster.py) with the demo content: through the README's
nginx block, and, for comparison, straight from one gunicorn server. Prints, per page,
the audit's score and the bytes it says compression would still save. Exits 1 if the
audit fails on any page through nginx.

    .venv/bin/python bench/text_compression.py      (make lighthouse installs Lighthouse)
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.cluster import Cluster, missing_binaries  # noqa: E402

LIGHTHOUSE = ROOT / ".ci" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
POST = "/posts/punching-above-your-weight-getting-academically-published-as-a-non-profit/"
PAGES = [("home", "/"), ("post", POST), ("list", "/posts/"), ("search", "/search/?q=support")]


def audit(url, output):
    command = [
        str(LIGHTHOUSE), url, "--output=json", f"--output-path={output}", "--quiet",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        "--only-audits=uses-text-compression",
    ]  # fmt: skip
    for _attempt in range(3):  # a run now and then loses its trace on a busy machine
        done = subprocess.run(command, env={**os.environ, "CHROME_PATH": shutil.which("chromium")})
        if done.returncode == 0:
            result = json.loads(Path(output).read_text())["audits"]["uses-text-compression"]
            wasted = sum(item.get("wastedBytes", 0) for item in result["details"]["items"])
            return result["score"], wasted
    sys.exit(f"Lighthouse could not audit {url}")


def main():
    if missing := missing_binaries():
        sys.exit("Not installed: " + "; ".join(missing))
    if not LIGHTHOUSE.exists() or not shutil.which("chromium"):
        sys.exit("Needs Lighthouse (make lighthouse installs it) and chromium.")
    with tempfile.TemporaryDirectory(prefix="flse-compression-") as folder:
        cluster = Cluster(folder).start()
        try:
            cluster.manage("load_demo_content", "-v0")
            rows, failed = [], False
            for name, path in PAGES:
                scores = []
                for where in ("proxy", "a"):
                    url = f"http://127.0.0.1:{cluster.port_of(where)}{path}"
                    score, wasted = audit(url, Path(folder) / f"{name}-{where}.json")
                    scores.append(f"{score:.2f} ({wasted / 1000:.1f} kB to save)")
                    failed |= where == "proxy" and score < 1
                rows.append((name, path, *scores))
        finally:
            cluster.stop()
    print("\n| page | address | through nginx | gunicorn alone |\n| --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
