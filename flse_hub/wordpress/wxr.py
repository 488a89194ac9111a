"""Reading a WordPress export (WXR 1.0 to 1.2) into plain records; nothing here writes.

The file is parsed by defusedxml: a DTD's entities (the "billion laughs") and external
entities are refused, not expanded. Every value is kept as text; what becomes markup is
decided by flse_hub.wordpress.markup and the site's sanitiser, never by the export.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

# Exports of large sites run to tens of megabytes; beyond this it is not an export.
MAX_EXPORT_BYTES = 200 * 1024 * 1024
_WXR_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/1\.[0-2]/\Z")
_EXCERPT_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/1\.[0-2]/excerpt/\Z")
CONTENT_NAMESPACE = "http://purl.org/rss/1.0/modules/content/"
DC_NAMESPACE = "http://purl.org/dc/elements/1.1/"


class NotAnExport(Exception):
    """The file is missing, unreadable, not XML or not a WordPress export; says which."""


@dataclass
class Author:
    login: str
    email: str
    display_name: str
    first_name: str
    last_name: str

    @property
    def name(self):
        full = f"{self.first_name} {self.last_name}".strip()
        return self.display_name.strip() or full or self.login


@dataclass
class Term:
    """A category or tag, from the channel's list or from an item's <category>."""

    domain: str  # "category" or "post_tag"
    slug: str
    name: str


@dataclass
class Item:
    id: int
    type: str
    status: str
    title: str
    link: str
    guid: str
    slug: str
    date_gmt: datetime | None
    modified_gmt: datetime | None
    content: str
    excerpt: str
    creator: str
    parent: int
    menu_order: int
    password: str
    attachment_url: str
    meta: dict = field(default_factory=dict)
    terms: list = field(default_factory=list)
    comments: int = 0

    @property
    def label(self):
        title = self.title.strip() or "(no title)"
        return f"{self.type} “{title[:80]}” (WordPress id {self.id})"


@dataclass
class Export:
    title: str
    link: str
    version: str
    authors: list
    terms: list
    items: list


def _text(element, tag):
    found = element.find(tag)
    return (found.text or "") if found is not None else ""


def _int(value):
    try:
        return int(value.strip())
    except (ValueError, AttributeError):
        return 0


def _date(value):
    """A WordPress GMT date ("2013-01-10 20:15:40"); None for its empty 0000-00-00."""
    value = (value or "").strip()
    if not value or value.startswith("0000"):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def read_export(path):
    """The Export in the file at `path`; NotAnExport with a reason a person can act on."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise NotAnExport(f"Cannot read {path}: {error.strerror or error}.") from None
    if not path.is_file():
        raise NotAnExport(f"{path} is not a file.")
    if size > MAX_EXPORT_BYTES:
        raise NotAnExport(
            f"{path} is {size // 1_000_000} MB; exports of up to "
            f"{MAX_EXPORT_BYTES // 1_000_000} MB are read. Export the site in parts "
            "(WordPress's Tools → Export can export by date range)."
        )
    try:
        root = SafeET.parse(path, forbid_dtd=False).getroot()
    except DefusedXmlException as refused:
        raise NotAnExport(
            f"{path} declares XML entities ({type(refused).__name__}); WordPress exports "
            "never do, and they are refused."
        ) from None
    except ParseError as error:
        raise NotAnExport(f"{path} is not well-formed XML: {error}.") from None
    except OSError as error:
        raise NotAnExport(f"Cannot read {path}: {error}.") from None
    channel = root.find("channel") if root.tag == "rss" else None
    version = _find_version(channel) if channel is not None else None
    if version is None:
        raise NotAnExport(
            f"{path} is XML but not a WordPress export (WXR): an export is an <rss> file "
            "with <wp:wxr_version>, made by Tools → Export in WordPress."
        )
    wp_ns, excerpt_ns = version
    return _parse_channel(channel, wp_ns, excerpt_ns)


def _find_version(channel):
    for child in channel:
        if child.tag.endswith("}wxr_version"):
            namespace = child.tag[1:].split("}")[0]
            if _WXR_NAMESPACE.match(namespace):
                return namespace, namespace + "excerpt/"
    return None


def _parse_channel(channel, wp_ns, excerpt_ns):
    wp = f"{{{wp_ns}}}"
    authors = [
        Author(
            login=_text(a, f"{wp}author_login").strip(),
            email=_text(a, f"{wp}author_email").strip(),
            display_name=_text(a, f"{wp}author_display_name"),
            first_name=_text(a, f"{wp}author_first_name"),
            last_name=_text(a, f"{wp}author_last_name"),
        )
        for a in channel.findall(f"{wp}author")
    ]
    terms = [
        Term("category", _text(c, f"{wp}category_nicename").strip(), _text(c, f"{wp}cat_name"))
        for c in channel.findall(f"{wp}category")
    ]
    terms += [
        Term("post_tag", _text(t, f"{wp}tag_slug").strip(), _text(t, f"{wp}tag_name"))
        for t in channel.findall(f"{wp}tag")
    ]
    # WXR 1.2 also lists other taxonomies as <wp:term>; only categories and tags are topics.
    for term in channel.findall(f"{wp}term"):
        taxonomy = _text(term, f"{wp}term_taxonomy").strip()
        if taxonomy in ("category", "post_tag"):
            terms.append(
                Term(taxonomy, _text(term, f"{wp}term_slug").strip(), _text(term, f"{wp}term_name"))
            )
    items = [_parse_item(element, wp, excerpt_ns) for element in channel.findall("item")]
    return Export(
        title=_text(channel, "title").strip(),
        link=_text(channel, "link").strip(),
        version=_text(channel, f"{wp}wxr_version").strip(),
        authors=authors,
        terms=terms,
        items=items,
    )


def _parse_item(element, wp, excerpt_ns):
    meta = {}
    for entry in element.findall(f"{wp}postmeta"):
        meta[_text(entry, f"{wp}meta_key")] = _text(entry, f"{wp}meta_value")
    terms = [
        Term(c.get("domain", ""), (c.get("nicename") or "").strip(), c.text or "")
        for c in element.findall("category")
    ]
    return Item(
        id=_int(_text(element, f"{wp}post_id")),
        type=_text(element, f"{wp}post_type").strip(),
        status=_text(element, f"{wp}status").strip(),
        title=_text(element, "title"),
        link=_text(element, "link").strip(),
        guid=_text(element, "guid").strip(),
        slug=_text(element, f"{wp}post_name").strip(),
        date_gmt=_date(_text(element, f"{wp}post_date_gmt"))
        or _date(_text(element, f"{wp}post_date")),
        modified_gmt=_date(_text(element, f"{wp}post_modified_gmt"))
        or _date(_text(element, f"{wp}post_modified")),
        content=_text(element, f"{{{CONTENT_NAMESPACE}}}encoded"),
        excerpt=_text(element, f"{{{excerpt_ns}}}encoded"),
        creator=_text(element, f"{{{DC_NAMESPACE}}}creator").strip(),
        parent=_int(_text(element, f"{wp}post_parent")),
        menu_order=_int(_text(element, f"{wp}menu_order")),
        password=_text(element, f"{wp}post_password"),
        attachment_url=_text(element, f"{wp}attachment_url").strip(),
        meta=meta,
        terms=terms,
        comments=len(element.findall(f"{wp}comment")),
    )
