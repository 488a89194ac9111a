"""A WordPress body made into HTML the site's sanitiser then checks: nothing is trusted.

WordPress stores a body as the writer left it and finishes it when the page is shown:
shortcodes ([caption], [gallery], [embed]…) expand, blank lines become paragraphs
(wpautop) and dynamic blocks (<!-- wp:latest-posts /-->) query the database. Here
that happens once, at import: shortcodes and blocks become plain HTML or are dropped
with a note, images become the media library's, and the result is cleaned twice: by a
first pass below (so that no <img> attribute of the export survives to be trusted) and
by the body's own sanitiser (flse_hub.rich_text) when the post or page is saved.
"""

import re
import secrets
from bisect import bisect_right
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import urljoin

import nh3
from django.utils.html import escape, strip_tags
from django.utils.text import Truncator

from flse_hub.rich_text import ALLOWED_TAGS, IMAGE_TAGS

# Larger bodies are not imported (reported): no real post is a megabyte of HTML.
MAX_BODY_CHARS = 1_000_000
# Shortcodes inside shortcodes ([caption] in [column]…) are expanded to this depth.
MAX_SHORTCODE_DEPTH = 4

# Block comments: <!-- wp:name {"json"} --> … <!-- /wp:name -->, or <!-- wp:name /--> for a
# dynamic block, which WordPress draws from its database when the page is shown.
_BLOCK_COMMENT = re.compile(
    r"<!--\s*(/?)wp:([a-z][a-z0-9_-]{0,60}(?:/[a-z][a-z0-9_-]{0,60})?)(.{0,5000}?)(/?)\s*-->",
    re.DOTALL,
)
_SHORTCODE = re.compile(r"\[(/?)([A-Za-z_][\w-]{0,40})((?:\s[^\[\]]{0,2000})?)\]")
_SHORTCODE_ATTRIBUTE = re.compile(r"""([\w-]{1,40})\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s'"]+))""")
KNOWN_SHORTCODES = {"caption", "wp_caption", "gallery", "embed", "audio", "video", "playlist"}
_CAPTIONED_IMAGE = re.compile(
    r"^\s*((?:<a\b[^>]{0,2000}>\s*)?<img\b[^>]{0,4000}>(?:\s*</a>)?)(.*)$", re.DOTALL
)
_BLOCK_START = re.compile(
    r"</?(?:p|h[1-6]|ul|ol|li|blockquote|figure|figcaption|div|table|thead|tbody|tr|td|th|"
    r"pre|hr|dl|dd|dt|address|section|article|aside|header|footer|nav|form|details|"
    r"iframe|video|audio|object|script|style)\b",
    re.IGNORECASE,
)
_BLOCK_END = re.compile(
    r"</(?:p|h[1-6]|ul|ol|li|blockquote|figure|figcaption|div|table|thead|tbody|tr|td|th|"
    r"pre|dl|dd|dt|address|section|article|aside|header|footer|nav|form|details)>\s*\Z",
    re.IGNORECASE,
)
_H1 = re.compile(r"<h1[\s>/]", re.IGNORECASE)
_HEADING = re.compile(r"<(/?)h([1-6])(?=[\s>/])", re.IGNORECASE)
# The first pass's output is html5ever's: attributes in double quotes, " escaped.
_IMG = re.compile(r"<img((?:\s+[a-z-]{1,20}(?:=\"[^\"]{0,4000}\")?){0,10})\s*/?>")
_ATTRIBUTE = re.compile(r'([a-z-]{1,20})(?:="([^"]{0,4000})")?')

_first_pass = nh3.Cleaner(
    tags=ALLOWED_TAGS | IMAGE_TAGS,
    # Only what the import reads: an image's address and description, a link's target.
    attributes={"a": {"href", "title"}, "ol": {"start"}, "img": {"src", "alt"}, "*": set()},
    url_schemes={"http", "https", "mailto", "tel"},
    clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "noscript"},
    strip_comments=True,
    link_rel=None,
)


@dataclass
class LibraryImage:
    """An image of the library as a body shows it: id, stored address, description."""

    id: int
    url: str
    alt: str
    caption: str = ""

    def html(self, alt=None):
        alt = self.alt if alt is None else alt
        return f'<img src="{escape(self.url)}" alt="{escape(alt)}" data-file="{self.id}">'


@dataclass
class Converted:
    html: str
    notes: list = field(default_factory=list)

    def note(self, message):
        if message not in self.notes:
            self.notes.append(message)


def first_paragraph(html, words=30):
    """The text of the first paragraph with words in it, cut to `words` words."""
    for match in re.finditer(r"<p>(.{0,20000}?)</p>", html, re.DOTALL):
        if text := plain_text(match.group(1)):
            return Truncator(text).words(words)
    return Truncator(plain_text(html)).words(words)


def plain_text(html):
    """The words of a fragment of HTML, on one line."""
    return " ".join(unescape(strip_tags(html or "")).split())


def convert(content, *, base_url, image_for, gallery_for, classic=None):
    """`content` (a WordPress body) as HTML for the site's sanitiser, with notes.

    `image_for(url, alt)` returns the LibraryImage an address of the old site stands
    for, or None; `gallery_for(ids)` the LibraryImages of a [gallery] (ids None: the
    item's attached images).
    """
    result = Converted("")
    if len(content) > MAX_BODY_CHARS:
        result.note(
            f"the body is {len(content):,} characters long; bodies of up to "
            f"{MAX_BODY_CHARS:,} are imported: copy it in by hand"
        )
        return result
    if classic is None:
        classic = "<!-- wp:" not in content
    content = _drop_block_comments(content, result)
    # Library images are put in after the first pass, at places only this run can name.
    nonce = secrets.token_hex(8)
    placed = []

    def place(image, alt=None):
        placed.append(image.html(alt))
        return f"wpimport-{nonce}-{len(placed) - 1}"

    content = _expand_shortcodes(content, result, gallery_for, place, depth=0)
    if classic:
        content = _autop(content)
    content = _first_pass.clean(_heading_levels(content))

    def library_image(match):
        attrs = dict(_ATTRIBUTE.findall(match.group(1)))
        src = unescape(attrs.get("src", "")).strip()
        alt = unescape(attrs.get("alt", ""))
        image = image_for(urljoin(base_url, src), alt) if src else None
        if image is None:
            result.note(f"an image not in the media library was dropped: {src[:200] or '(none)'}")
            return ""
        return place(image, alt.strip() or None)

    content = _IMG.sub(library_image, content)
    token = re.compile(rf"wpimport-{nonce}-([0-9]{{1,6}})")
    content = token.sub(lambda m: placed[int(m.group(1))], content)
    result.html = content.strip()
    return result


def _drop_block_comments(content, result):
    dynamic = []

    def drop(match):
        closing, name, _attrs, self_closing = match.groups()
        if self_closing and not closing and name not in ("more", "nextpage", "separator", "spacer"):
            dynamic.append(name)
        return ""

    content = _BLOCK_COMMENT.sub(drop, content)
    if dynamic:
        names = ", ".join(f"wp:{name}" for name in sorted(set(dynamic)))
        result.note(
            f"dynamic blocks not carried over (WordPress drew them from its database): {names}"
        )
    return content


def _attributes(text):
    return {
        match.group(1).lower(): next(v for v in match.groups()[1:] if v is not None)
        for match in _SHORTCODE_ATTRIBUTE.finditer(text or "")
    }


def _expand_shortcodes(content, result, gallery_for, place, depth):
    tokens = list(_SHORTCODE.finditer(content))
    if not tokens:
        return content
    closings = {}
    for index, token in enumerate(tokens):
        if token.group(1):
            closings.setdefault(token.group(2).lower(), []).append(index)
    out, position, index = [], 0, 0
    while index < len(tokens):
        token = tokens[index]
        closing, name, attrs_text = token.group(1), token.group(2).lower(), token.group(3)
        start = token.start()
        # [[name]] is WordPress's way of writing a shortcode as text.
        if (
            start > 0
            and content[start - 1] == "["
            and content[token.end() : token.end() + 1] == "]"
        ):
            out.append(content[position : start - 1] + content[start : token.end()])
            position, index = token.end() + 1, index + 1
            continue
        if closing:
            index += 1
            continue
        ends = closings.get(name, [])
        end_at = bisect_right(ends, index)
        is_shortcode = name in KNOWN_SHORTCODES or end_at < len(ends) or "=" in attrs_text
        if not is_shortcode:
            index += 1
            continue
        out.append(content[position:start])
        inner = None
        if end_at < len(ends):
            close = tokens[ends[end_at]]
            inner = content[token.end() : close.start()]
            position, index = close.end(), ends[end_at] + 1
        else:
            position, index = token.end(), index + 1
        attrs = _attributes(attrs_text)
        if inner is not None and depth < MAX_SHORTCODE_DEPTH:
            inner = _expand_shortcodes(inner, result, gallery_for, place, depth + 1)
        out.append(_shortcode_html(name, attrs, inner, result, gallery_for, place))
    out.append(content[position:])
    return "".join(out)


def _web_address(value):
    value = (value or "").strip()
    return value if value.lower().startswith(("http://", "https://")) else ""


def _link(url):
    return f'<p><a href="{escape(url)}">{escape(url)}</a></p>'


def _shortcode_html(name, attrs, inner, result, gallery_for, place):
    if name in ("caption", "wp_caption"):
        match = _CAPTIONED_IMAGE.match(inner or "")
        if match is None:
            result.note(f"a [{name}] without an image was dropped")
            return ""
        image_html, caption = match.group(1), match.group(2).strip() or attrs.get("caption", "")
        caption_html = f"<figcaption>{caption}</figcaption>" if plain_text(caption) else ""
        return f"<figure>{image_html}{caption_html}</figure>"
    if name == "gallery":
        ids = attrs.get("ids") or attrs.get("include")
        wanted = [int(i) for i in re.findall(r"[0-9]{1,12}", ids)][:200] if ids else None
        images = gallery_for(wanted)
        if not images:
            result.note("a [gallery] had no image in the media library and was dropped")
            return ""
        figures = []
        for image in images:
            caption = f"<figcaption>{escape(image.caption)}</figcaption>" if image.caption else ""
            figures.append(f"<figure>{place(image)}{caption}</figure>")
        return "".join(figures)
    if name == "embed":
        url = _web_address(plain_text(inner)) or _web_address(attrs.get("src", ""))
        if not url:
            result.note("an [embed] without a web address was dropped")
            return ""
        result.note("an [embed] became a link to what it showed")
        return _link(url)
    if name in ("audio", "video", "playlist"):
        url = next(
            (
                _web_address(attrs[key])
                for key in ("src", "mp3", "m4a", "ogg", "wav", "mp4", "webm", "ogv")
                if _web_address(attrs.get(key, ""))
            ),
            "",
        )
        if url:
            result.note(f"a [{name}] player became a link to its file")
            return _link(url)
        result.note(f"a [{name}] player was dropped (no web address to link to)")
        return ""
    if inner is not None:
        result.note(f"the shortcode [{name}] was removed; the text inside it was kept")
        return inner
    result.note(f"the shortcode [{name}] was dropped")
    return ""


def _autop(content):
    """WordPress's wpautop, simplified: blank lines part paragraphs, a newline inside one
    is a <br>; lines that open or close a block element are left as they are."""
    content = content.replace("\r\n", "\n").replace("\r", "\n")
    blocks, lines = [], []

    def end_paragraph():
        if lines:
            blocks.append("<p>" + "<br>\n".join(lines) + "</p>")
            lines.clear()

    for chunk in re.split(r"\n[ \t]*\n", content):
        for line in chunk.split("\n"):
            line = line.strip()
            if not line:
                continue
            if _BLOCK_START.match(line) or _BLOCK_END.search(line):
                end_paragraph()
                blocks.append(line)
            else:
                lines.append(line)
        end_paragraph()
    return "\n".join(blocks)


def _heading_levels(content):
    """Body headings as the site's (h2 to h4): a body's <h1> would be a second page title,
    so when there is one every level moves down one; h5 and h6 become h4."""
    shift = 1 if _H1.search(content) else 0

    def level(match):
        return f"<{match.group(1)}h{min(max(int(match.group(2)) + shift, 2), 4)}"

    return _HEADING.sub(level, content)
