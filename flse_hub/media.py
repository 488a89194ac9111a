"""Serve uploaded files from MEDIA_ROOT with headers that keep them inert.

Used whenever MEDIA_URL is a path on the site itself, in development and production
alike (a proxy in front may serve the same folder with the same headers: see the
README's nginx block). Uploads are checked by content (flse_hub.uploads), but a file
that got in some other way, or an old one, must still not run as the site:

- X-Content-Type-Options: nosniff, and a Content-Type from the stored extension's
  allowlist only (anything else is application/octet-stream), so nothing is sniffed
  into HTML or script;
- Content-Security-Policy: sandbox; default-src 'none': opened directly, a file gets
  an opaque origin with no script, no requests and no access to the site's cookies;
  images still display;
- Content-Disposition: attachment for everything but images, so documents download
  rather than open in a tab of the site's origin.
"""

import posixpath
import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from django.urls import re_path
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date
from django.views.decorators.http import require_safe

from flse_hub.uploads import IMAGE, TYPES, FileType

# Older uploads predate the random names and may carry .jpeg.
CONTENT_TYPES = {
    **{t.extension: t for t in TYPES.values()},
    "jpeg": TYPES["jpg"],
    # Never accepted as an upload; only made by flse_hub.renditions when AVIF is on.
    "avif": FileType("avif", "image/avif", IMAGE, "AVIF"),
}
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    # A file at a name never changes, but it is deleted when its row is or when it is
    # replaced (a photo someone asked to have removed): a day, not a year, so caches
    # let the removal take effect by the next day.
    "Cache-Control": "public, max-age=86400",
}
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def media_headers(name):
    """The response headers for a stored file called `name` (also what nginx sends)."""
    extension = posixpath.splitext(name)[1].lstrip(".").lower()
    kind = CONTENT_TYPES.get(extension)
    headers = {
        **HEADERS,
        "Content-Type": kind.content_type if kind else "application/octet-stream",
    }
    if kind is None or kind.family != IMAGE:
        filename = SAFE_NAME.sub("_", posixpath.basename(name)).strip("._") or "download"
        headers["Content-Disposition"] = content_disposition_header(True, filename)
    return headers


@require_safe
def serve_media(request, path):
    """One file under MEDIA_ROOT, or 404 (also for anything outside it or hidden)."""
    root = Path(settings.MEDIA_ROOT).resolve()
    parts = path.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        raise Http404
    try:
        # resolve() follows symlinks, so a link pointing out of MEDIA_ROOT is refused too.
        full = root.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        raise Http404 from None
    if not full.is_relative_to(root) or not full.is_file():
        raise Http404
    stat = full.stat()
    headers = media_headers(full.name)
    etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
    last_modified = int(stat.st_mtime)
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = FileResponse(full.open("rb"))
        response["Content-Length"] = str(stat.st_size)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    for header, value in headers.items():
        response[header] = value
    # FileResponse may add an encoding guessed from the name (e.g. gzip for .gz); the
    # Content-Type set above is the whole truth.
    response.headers.pop("Content-Encoding", None)
    return response


def media_urlpatterns():
    """The route for MEDIA_URL when it is a local path; none when another host serves it."""
    if settings.MEDIA_ORIGIN:
        return []
    prefix = re.escape(settings.MEDIA_URL.lstrip("/"))
    return [re_path(rf"^{prefix}(?P<path>.+)\Z", serve_media, name="media")]
