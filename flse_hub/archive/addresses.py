"""Where each address of the live site lives in the archive folder, and links between them.

One mapping serves the exporter (which file to write, how to link to it) and the link
checker (which file a link in the folder leads to), so the two cannot disagree.

- /posts/a-post/            -> posts/a-post/index.html (index.xml for a feed)
- /posts/?page=2            -> posts/page/2/index.html (a static server ignores queries)
- /posts/?topic=x&year=2020 -> posts/_/topic-x-year-2020/index.html
- /sitemap-posts.xml?p=2    -> sitemap-posts--p-2.xml
"""

import html
import posixpath
import re
from urllib.parse import parse_qsl, unquote, urlsplit

PAGE_ONLY = re.compile(r"^page=(\d+)$")
UNSAFE = re.compile(r"[^A-Za-z0-9]+")
# Attributes whose value is an address (srcset: a list of them).
LINK_ATTRIBUTE = re.compile(r'(?<=\s)(href|src|srcset|action|poster)="([^"]*)"')
CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")


def query_slug(query):
    """A stable file-name part for a query string: keys sorted, unsafe characters dashed."""
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    return UNSAFE.sub("-", "-".join(f"{key}-{value}" for key, value in pairs)).strip("-")


def folder_path(path, query=""):
    """The archive path (no leading slash) of an address, without a directory's index file.

    A directory address keeps its trailing slash ("posts/a-post/"); that form is what an
    absolute link (a feed's, a sitemap's) uses, since web servers add the index file.
    Returns None for an address no file can stand for (.., hidden names, odd queries).
    """
    name = unquote(path).lstrip("/")
    parts = name.split("/")
    if any(part in (".", "..") or part.startswith(".") for part in parts[:-1]) or (
        parts[-1] in (".", "..")
    ):
        return None
    if query:
        page = PAGE_ONLY.match(query)
        slug = query_slug(query)
        if not slug:
            pass
        elif name.endswith("/") or name == "":
            name += f"page/{page.group(1)}/" if page else f"_/{slug}/"
        else:
            stem, extension = posixpath.splitext(name)
            name = f"{stem}--{slug}{extension}"
    return name


def index_name(content_type):
    """A directory's index file for a response of this type."""
    if "xml" in content_type:
        return "index.xml"
    if content_type.startswith("text/html") or not content_type:
        return "index.html"
    return "index"


def file_path(path, query="", content_type="text/html"):
    """The file (relative to the archive root) that holds this address, or None."""
    name = folder_path(path, query)
    if name is None:
        return None
    if name == "" or name.endswith("/"):
        name += index_name(content_type)
    return name


def relative(from_file, to_file, fragment=""):
    """A link from one archive file to another that works from any folder."""
    link = posixpath.relpath(to_file, posixpath.dirname(from_file) or ".")
    return link + (f"#{fragment}" if fragment else "")


def split_internal(url, page_url, base_url):
    """(path, query, fragment) for an address on this site, else None.

    `url` as written in the page (already unescaped); `page_url` the page's own
    address (for "?page=2" and "../" links); `base_url` the site's origin.
    """
    if not url or url.startswith(("#", "mailto:", "tel:", "data:", "javascript:")):
        return None
    base = urlsplit(base_url)
    if url.startswith("//"):
        url = f"{base.scheme}:{url}"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            return None
        return parts.path or "/", parts.query, parts.fragment
    page = urlsplit(page_url)
    if url.startswith("?"):
        return page.path, parts.query, parts.fragment
    path = (
        parts.path
        if url.startswith("/")
        else posixpath.join(posixpath.dirname(page.path), parts.path)
    )
    trailing = path.endswith("/")
    path = posixpath.normpath(path)
    if trailing and not path.endswith("/"):
        path += "/"
    return path, parts.query, parts.fragment


def rewrite_attributes(text, rewrite_url):
    """Apply rewrite_url to every address in href/src/srcset/action/poster attributes."""

    def one(match):
        attribute, value = match.group(1), html.unescape(match.group(2))
        if attribute == "srcset":
            candidates = []
            for candidate in value.split(","):
                bits = candidate.strip().split(None, 1)
                if bits:
                    bits[0] = rewrite_url(bits[0])
                    candidates.append(" ".join(bits))
            value = ", ".join(candidates)
        else:
            value = rewrite_url(value)
        return f'{attribute}="{html.escape(value)}"'

    return LINK_ATTRIBUTE.sub(one, text)


def attribute_urls(text):
    """Every address in href/src/srcset/action/poster attributes, unescaped."""
    for attribute, raw in LINK_ATTRIBUTE.findall(text):
        value = html.unescape(raw)
        if attribute == "srcset":
            for candidate in value.split(","):
                bits = candidate.split()
                if bits:
                    yield bits[0]
        else:
            yield value
