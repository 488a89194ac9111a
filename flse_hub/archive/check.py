"""The archive's own link checker: a crawl of the folder, not of the site it came from.

Every href/src/srcset/action in its HTML, every url() in its CSS and every address of the
site in its feeds, sitemaps and other text files must lead to a file in the folder. A
root-relative link ("/posts/") counts as broken: it would only work with the archive at
the root of a web server.
"""

import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flse_hub.archive import addresses

TEXT_SUFFIXES = {".xml", ".txt", ".webmanifest", ".json", ".bib", ".ris"}


def broken_links(root, base_url):
    """Sorted 'file: link' lines for every internal link in the folder that leads nowhere."""
    root = Path(root)
    base_url = base_url.rstrip("/")
    absolute = re.compile(re.escape(base_url) + r"(/[^\s\"'<>\\{}]*)")
    broken = set()
    for file in sorted(root.rglob("*")):
        if not file.is_file() or file.parts[len(root.parts)] == "pagefind":
            continue
        name = file.relative_to(root).as_posix()
        suffix = file.suffix
        if suffix not in {".html", ".css"} | TEXT_SUFFIXES and file.name != "index":
            continue
        text = file.read_text(encoding="utf-8", errors="replace")
        links = []
        if suffix == ".html":
            links = list(addresses.attribute_urls(text))
        elif suffix == ".css":
            links = [match[1] for match in addresses.CSS_URL.findall(text)]
        links += [base_url + path.replace("&amp;", "&") for path in absolute.findall(text)]
        for link in links:
            if not _leads_somewhere(root, name, link, base_url):
                broken.add(f"{name}: {link}")
    return sorted(broken)


def _leads_somewhere(root, from_file, link, base_url):
    if not link or link.startswith(("#", "mailto:", "tel:", "data:")):
        return True
    parts = urlsplit(link)
    if link.startswith("//") or parts.scheme or parts.netloc:
        if not link.startswith(base_url + "/") and link != base_url:
            return True  # another site: not this checker's business
        target = addresses.folder_path(parts.path or "/", parts.query)
        return target is not None and _exists(root, target)
    if link.startswith("/"):
        return False
    target = posixpath.normpath(posixpath.join(posixpath.dirname(from_file), unquote(parts.path)))
    if target.startswith("../") or target == "..":
        return False
    if parts.path.endswith("/") or target == ".":
        target = "" if target == "." else target + "/"
    return _exists(root, target)


def _exists(root, name):
    path = root / name
    if name == "" or name.endswith("/") or path.is_dir():
        return any((path / index).is_file() for index in ("index.html", "index.xml", "index"))
    return path.is_file()
