"""`make reset` and `make clean` remove the local site's state, and nothing else."""

import shutil
import subprocess
from pathlib import Path

import pytest

MAKE = shutil.which("make")
MAKEFILE = Path(__file__).resolve().parents[1] / "Makefile"
pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")

STATE = [
    "var/db.sqlite3",
    "var/db.sqlite3-wal",
    "var/db.sqlite3-shm",
    "var/media/posts/a.jpg",
    "var/sent-emails/2026-11-29T16-03-12-confirm.eml",
    "var/staff-login.txt",
]
KEPT = ["var/secret_key", "var/staticfiles/css/site.css", "notes.txt", "posts/models.py"]


def make(target, folder):
    return subprocess.run(
        [MAKE, "--no-print-directory", "-f", str(MAKEFILE), target],
        cwd=folder,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=True,
    )


def tree(folder, paths):
    for path in paths:
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text("x")


def test_reset_removes_the_database_uploads_and_emails_only(tmp_path):
    tree(tmp_path, [*STATE, *KEPT, ".venv/bin/python"])
    result = make("reset", tmp_path)
    assert "This deletes the local SQLite database" in result.stdout
    assert [p for p in STATE if (tmp_path / p).exists()] == []
    assert [p for p in [*KEPT, ".venv/bin/python"] if not (tmp_path / p).exists()] == []


def test_clean_also_removes_the_virtualenv(tmp_path):
    tree(tmp_path, [*STATE, *KEPT, ".venv/bin/python"])
    make("clean", tmp_path)
    assert not (tmp_path / ".venv").exists() and not (tmp_path / "var/db.sqlite3").exists()
    assert [p for p in KEPT if not (tmp_path / p).exists()] == []
