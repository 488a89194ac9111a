"""Crawl the public site through Django's test client and write it out as static files.

The crawl starts from the home page, the sitemap(s), the feeds, robots.txt and the
search page, and follows every address it finds (links, images, srcsets, stylesheets'
url()s, feeds' and sitemaps' absolute URLs), so it follows whatever shape the sitemap
and the pages have rather than a list kept here. Every answer comes from the real views
and templates for an anonymous reader, with `ARCHIVE_BUILD` set so templates can swap
what needs a server (the newsletter form, the search results) for what a folder can do.
"""

import json
import re
import shutil
import subprocess
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import SuspiciousOperation
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.test import Client, RequestFactory, override_settings
from django.urls import Resolver404, resolve

from flse_hub import freshness
from flse_hub.archive import addresses
from flse_hub.site.models import Redirect

# The one file that changes between two exports of the same content.
INFO_FILE = "archive.json"
# The page that stands in for every address that needs the live server (the newsletter
# forms, the admin): what happened to it and how to reach the organisation now.
NOTICE_FILE = "_archive/index.html"
# Where the crawl starts; it follows every link from there.
SEEDS = [
    "/",
    "/robots.txt",
    "/sitemap.xml",
    "/feeds/atom/",
    "/feeds/rss/",
    "/search/",
    "/favicon.ico",
]
PAGEFIND_FOLDER = "pagefind"
# Indexed for offline search: what the live search finds (posts and the site's pages).
SEARCHABLE_VIEWS = {"posts:detail", "site:page"}
# Parts of those pages about other posts: a search for a word should not find every post
# whose related-posts list mentions a post with that word.
NOT_SEARCHED = ".related, .cite-this, .pagination"
# Addresses that need the server: never fetched; links to them lead to the notice.
SERVER_ONLY_VIEWS = {"posts:preview", "csp-report"}
SERVER_ONLY_NAMESPACES = {"admin", "people"}
STILL_STATIC_VIEWS = {"people:privacy"}
TEXT_TYPES = (
    "text/",
    "application/xml",
    "application/atom+xml",
    "application/rss+xml",
    "application/json",
    "application/manifest+json",
    "application/x-bibtex",
    "application/x-research-info-systems",
)


@dataclass
class Report:
    files: int = 0
    bytes: int = 0
    pages: int = 0
    seconds: float = 0.0
    problems: list = field(default_factory=list)


@dataclass
class Fetched:
    file: str
    content_type: str
    linked_from: str


class StaticExport:
    """export = StaticExport(folder, base_url); report = export.run()."""

    def __init__(self, root, base_url, *, pagefind=True, log=None):
        self.root = Path(root)
        self.base_url = base_url.rstrip("/")
        base = urlsplit(self.base_url)
        if base.scheme not in ("http", "https") or not base.netloc or base.path:
            raise ValueError(
                f"The base URL must be an origin such as https://hub.example.org, not {base_url!r}."
            )
        self.host = base.netloc
        self.secure = base.scheme == "https"
        self.pagefind = pagefind
        self.log = log or (lambda line: None)
        self.fetched = {}  # (path, query) -> Fetched
        self.redirects = {}  # (path, query) -> (path, query, fragment) of its target
        self.report = Report()
        # Uploads on another host (object storage, a CDN: an absolute MEDIA_URL) are read
        # from the storage and kept under /media/ in the archive like local ones.
        media_url = settings.MEDIA_URL
        self.media_origin = media_url if urlsplit(media_url).netloc else None
        self.stored = {}  # archive path -> storage name, for those uploads
        self.absolute = re.compile(re.escape(self.base_url) + r"(/[^\s\"'<>\\{}]*)")

    def run(self):
        started = time.monotonic()
        self._prepare_folder()
        with override_settings(**self._settings()):
            client = Client(HTTP_HOST=self.host)
            self._crawl(client)
            self._write_notice()
        self._rewrite()
        if self.pagefind:
            self._index_search()
        self._write_info()
        self.report.seconds = time.monotonic() - started
        for path in self.root.rglob("*"):
            if path.is_file():
                self.report.files += 1
                self.report.bytes += path.stat().st_size
        return self.report

    # Rendering ---------------------------------------------------------------------

    def _settings(self):
        as_of = freshness.last_modified()
        return {
            "ARCHIVE_BUILD": {"as_of": as_of},
            "ALLOWED_HOSTS": [self.host.split(":")[0]],
            "SECURE_SSL_REDIRECT": False,
            # Plain names (css/site.css): nothing to collect first, and an archive file
            # keeps its address however often the live site's files changed.
            "STORAGES": {
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
            # No cache: the export must neither read the live site's cached pages nor
            # leave archive pages in a cache the live site shares.
            "CACHES": {
                alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
                for alias in settings.CACHES
            },
        }

    def _prepare_folder(self):
        if self.root.exists() and any(self.root.iterdir()):
            if not (self.root / INFO_FILE).exists():
                raise FileExistsError(
                    f"{self.root} is not empty and holds no earlier archive ({INFO_FILE}): "
                    "choose an empty or new folder."
                )
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _seeds(self):
        # Old addresses staff redirected keep working in the archive too (as a page that
        # sends the reader on); former post slugs only where something still links them.
        moved = Redirect.objects.filter(old_query="").order_by("old_path")
        return [*SEEDS, *moved.values_list("old_path", flat=True)]

    def _crawl(self, client):
        seeds = self._seeds()
        queue = deque((seed, "", "(start)") for seed in seeds)
        queued = {(seed, "") for seed in seeds}
        while queue:
            path, query, referrer = queue.popleft()
            for found in self._fetch(client, path, query, referrer):
                if found not in queued and not self._server_only(*found):
                    queued.add(found)
                    queue.append((*found, f"{path}?{query}" if query else path))

    def _server_only(self, path, query):
        try:
            match = resolve(path)
        except Resolver404:
            return False
        name = match.view_name
        if name in STILL_STATIC_VIEWS:
            return False
        if name in SERVER_ONLY_VIEWS or match.namespace in SERVER_ONLY_NAMESPACES:
            return True
        # Search results need the server; the archive's search page runs Pagefind.
        return name == "posts:search" and bool(query)

    def _fetch(self, client, path, query, referrer):
        url = f"{path}?{query}" if query else path
        if path in self.stored:
            return self._copy_stored(path, referrer)
        response = client.get(url, secure=self.secure)
        if response.status_code in (301, 302, 303, 307, 308):
            target = addresses.split_internal(response["Location"], url, self.base_url)
            if target is None:
                self.report.problems.append(f"{url} redirects off the site ({referrer})")
                return []
            self.redirects[(path, query)] = target
            return [target[:2]]
        if response.status_code != 200:
            self.report.problems.append(
                f"{response.status_code} for {url} (linked from {referrer})"
            )
            return []
        content_type = response.get("Content-Type", "")
        file = addresses.file_path(path, query, content_type)
        if file is None:
            self.report.problems.append(f"{url} cannot be a file name (linked from {referrer})")
            return []
        body = b"".join(response.streaming_content) if response.streaming else response.content
        target = self.root / file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        self.fetched[(path, query)] = Fetched(file, content_type, referrer)
        if content_type.startswith("text/html"):
            self.report.pages += 1
        if not content_type.startswith(TEXT_TYPES):
            return []
        text = body.decode(response.charset or "utf-8", "replace")
        found = []
        urls = list(addresses.attribute_urls(text)) if "html" in content_type else []
        if "css" in content_type:
            urls += [match[1] for match in addresses.CSS_URL.findall(text)]
        if "json" in content_type:
            urls += re.findall(r'"(/[^"\s]*)"', text)
        urls += [self.base_url + match for match in self.absolute.findall(text)]
        for link in urls:
            internal = self._split(link.replace("&amp;", "&"), url)
            if internal:
                found.append(internal[:2])
        return found

    def _split(self, link, page_url):
        """addresses.split_internal, with uploads on a media host mapped under /media/."""
        if self.media_origin and link.startswith(self.media_origin):
            name = unquote(urlsplit(link).path.removeprefix(urlsplit(self.media_origin).path))
            path = "/media/" + name
            self.stored[path] = name
            return path, "", ""
        return addresses.split_internal(link, page_url, self.base_url)

    def _copy_stored(self, path, referrer):
        file = addresses.file_path(path, "", "application/octet-stream")
        if file is None:  # e.g. a body link to …/media/../x or a hidden name
            self.report.problems.append(f"{path} cannot be a file name (linked from {referrer})")
            return []
        try:
            with default_storage.open(self.stored[path]) as stored:
                body = stored.read()
        except (OSError, ValueError, SuspiciousOperation) as error:
            self.report.problems.append(
                f"{path} could not be read ({error}; linked from {referrer})"
            )
            return []
        target = self.root / file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        self.fetched[(path, "")] = Fetched(file, "application/octet-stream", referrer)
        return []

    def _write_notice(self):
        request = RequestFactory().get(
            "/" + NOTICE_FILE.removesuffix("index.html"), HTTP_HOST=self.host, secure=self.secure
        )
        request.user = AnonymousUser()
        html = render_to_string("archive/notice.html", request=request)
        target = self.root / NOTICE_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        self.fetched[("/" + NOTICE_FILE.removesuffix("index.html"), "")] = Fetched(
            NOTICE_FILE, "text/html; charset=utf-8", "(the archive)"
        )
        self.report.pages += 1

    # Rewriting ---------------------------------------------------------------------

    def _final(self, path, query):
        """The stored answer for an address, following redirects (at most 10)."""
        for _ in range(10):
            if (path, query) in self.fetched:
                return self.fetched[(path, query)]
            if (path, query) not in self.redirects:
                return None
            path, query, _fragment = self.redirects[(path, query)]
        return None

    def _link(self, from_file, page_url, url):
        internal = self._split(url, page_url)
        if internal is None:
            return url
        path, query, fragment = internal
        if url.startswith(self.base_url) and not query:
            return url  # absolute and already an archive address (canonical, og:url)
        if self._server_only(path, query):
            return addresses.relative(from_file, NOTICE_FILE)
        target = self._final(path, query)
        if target is None:
            return url
        if url.startswith(self.base_url):
            return self.base_url + "/" + addresses.folder_path(path, query)
        if target.file == from_file and fragment:
            return f"#{fragment}"
        return addresses.relative(from_file, target.file, fragment)

    def _absolute_with_query(self, text):
        """Absolute addresses with a query (sitemap pages, page 2 of a list) to their files."""

        def one(match):
            raw = match.group(0)
            parts = urlsplit(raw.replace("&amp;", "&"))
            if not parts.query:
                return raw
            name = addresses.folder_path(parts.path, parts.query)
            return raw if name is None else f"{self.base_url}/{name}"

        return self.absolute.sub(one, text)

    def _rewrite(self):
        for (path, query), fetched in sorted(self.fetched.items()):
            page_url = f"{path}?{query}" if query else path
            kind = fetched.content_type
            if not kind.startswith(("text/html", "text/css")) and "xml" not in kind:
                continue
            file = self.root / fetched.file
            text = file.read_text(encoding="utf-8")
            if kind.startswith("text/html"):
                text = addresses.rewrite_attributes(
                    text, lambda url, f=fetched.file, p=page_url: self._link(f, p, url)
                )
                text = self._absolute_with_query(text)
                if not query and self._view_name(path) in SEARCHABLE_VIEWS:
                    text = text.replace(
                        '<main id="main-content"', '<main data-pagefind-body id="main-content"', 1
                    )
            elif kind.startswith("text/css"):
                text = addresses.CSS_URL.sub(
                    lambda m, f=fetched.file, p=page_url: (
                        f"url({m.group(1)}{self._link(f, p, m.group(2))}{m.group(1)})"
                    ),
                    text,
                )
            else:
                text = self._absolute_with_query(text)
            file.write_text(text, encoding="utf-8")
        for (path, query), (target_path, target_query, fragment) in sorted(self.redirects.items()):
            self._write_redirect(path, query, target_path, target_query, fragment)

    def _write_redirect(self, path, query, target_path, target_query, fragment):
        """A moved address keeps working: a page that sends the reader on (no script)."""
        file = addresses.file_path(path, query)
        target = self._final(target_path, target_query)
        if file is None or target is None or (self.root / file).exists():
            return
        link = addresses.relative(file, target.file, fragment)
        html = render_to_string("archive/moved.html", {"link": link})
        (self.root / file).parent.mkdir(parents=True, exist_ok=True)
        (self.root / file).write_text(html, encoding="utf-8")

    @staticmethod
    def _view_name(path):
        try:
            return resolve(path).view_name
        except Resolver404:
            return None

    # Search and the build record ---------------------------------------------------

    def _index_search(self):
        from pagefind_bin import get_executable

        # The wheel's own binary, on a folder this export wrote.
        subprocess.run(  # noqa: S603
            [
                str(get_executable()),
                "--site",
                str(self.root),
                "--output-subdir",
                PAGEFIND_FOLDER,
                "--keep-index-url",
                "--exclude-selectors",
                NOT_SEARCHED,
                "--silent",
            ],
            check=True,
        )

    def _write_info(self):
        info = {
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "base_url": self.base_url,
            "pages": self.report.pages,
        }
        (self.root / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
