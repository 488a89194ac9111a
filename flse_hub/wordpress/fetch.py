"""The bytes of a WordPress upload: from a copy of wp-content/uploads, or downloaded.

Only http(s) addresses on public networks are fetched (flse_hub.outbound: every hop's
address checked, and the connection made to it), with a timeout and a size cap (the
largest upload flse_hub.uploads accepts); redirects may not leave http(s). An export is
not trusted: without that check, an attachment address could read the cloud's metadata
service or a server on the hub's own network into the media library. What is fetched
is checked and re-encoded by flse_hub.uploads like any upload.
"""

import re
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings

from flse_hub.outbound import PublicHTTPHandler, PublicHTTPSHandler

DOWNLOAD_TIMEOUT_SECONDS = 15
_UPLOADS_PATH = re.compile(r"/wp-content/uploads/(.+)\Z")
# WordPress.com serves uploads at files.wordpress.com/YYYY/MM/name.
_DATED_PATH = re.compile(r"/([0-9]{4}/[0-9]{2}/[^/]+)\Z")


class Unavailable(Exception):
    """The file could not be had; the message says why."""


def max_bytes():
    return max(settings.FLSE_IMAGE_MAX_BYTES, settings.FLSE_UPLOAD_MAX_BYTES)


def upload_path(url):
    """The path of an upload inside wp-content/uploads ("2021/03/photo.jpg"), or ""."""
    path = unquote(urlsplit(url).path)
    match = _UPLOADS_PATH.search(path) or _DATED_PATH.search(path)
    return match.group(1) if match else ""


def from_media_dir(media_dir, relative):
    """The bytes of `relative` inside `media_dir`; None if it is not there."""
    if not media_dir or not relative:
        return None
    root = Path(media_dir).resolve()
    candidate = (root / relative).resolve()
    # "../" in an export must not read outside the folder given.
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    if candidate.stat().st_size > max_bytes():
        raise Unavailable(f"{relative} is larger than the largest upload accepted")
    return candidate.read_bytes()


class _WebOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise Unavailable(f"redirected to a non-web address ({newurl[:100]})")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _web_only_opener():
    # build_opener() would add file:, ftp: and data: handlers (and proxies from the
    # environment); this one speaks http(s) only, to public addresses only.
    allow_private = settings.WORDPRESS_IMPORT_ALLOW_PRIVATE_NETWORKS
    opener = urllib.request.OpenerDirector()
    for handler in (
        PublicHTTPHandler(allow_private=allow_private),
        PublicHTTPSHandler(allow_private=allow_private),
        _WebOnlyRedirects(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def download(url, timeout=DOWNLOAD_TIMEOUT_SECONDS):
    """The bytes at `url` (http or https only), at most max_bytes(); Unavailable if not."""
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise Unavailable("not a web address")
    limit = max_bytes()
    # http(s) only: checked above, and the opener has no other handlers.
    request = urllib.request.Request(url, headers={"User-Agent": "FLSE Learning Hub importer"})  # noqa: S310
    try:
        with _web_only_opener().open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > limit:
                raise Unavailable(
                    f"{int(length):,} bytes is larger than the largest upload accepted"
                )
            data = response.read(limit + 1)
    except urllib.error.HTTPError as error:
        raise Unavailable(f"the server answered {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise Unavailable(f"could not download it ({reason})") from None
    if len(data) > limit:
        raise Unavailable("larger than the largest upload accepted")
    return data
