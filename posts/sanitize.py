"""The allowlist every post body passes before it is stored.

The editor can only produce these tags, but a body can also arrive pasted
from Word, through the HTML view, the demo loader or a future import; the
server is the only place the rule can be enforced.
"""

import re

import nh3
from django.conf import settings

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "em", "a", "ul", "ol", "li", "blockquote",
    # Images from the media library, with an optional caption (posts.media.body).
    "figure", "figcaption", "img",
}  # fmt: skip
# data-file is the library image's id (the name django-prose-editor's Figure gives it):
# posts.media.body rewrites every <img> from that record and drops any without one.
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "img": {"src", "alt", "width", "height", "data-file"},
    # nh3 otherwise allows lang and title on every tag: only the lists above count.
    "*": set(),
}
# A stored image's address: this site's MEDIA_URL and a name flse_hub.uploads.RandomName
# made (folders, a random name, an image extension). No query, no "..", no other host.
_MEDIA_IMAGE_PATH = re.compile(
    r"(?:[A-Za-z0-9_-]{1,64}/){0,4}[A-Za-z0-9_-]{1,64}\.(?:jpg|png|webp|gif)\Z"
)
_DIGITS = re.compile(r"[0-9]{1,12}\Z")
# An image whose address was refused is no image. nh3 escapes ">" inside attribute values,
# so a tag ends at the first ">".
_IMG_WITHOUT_SRC = re.compile(r'<img(?![^>]*\ssrc=")[^>]*>')


def _img_attribute(element, attribute, value):
    if element != "img":
        return value
    if attribute == "src":
        media_url = settings.MEDIA_URL
        if value.startswith(media_url) and _MEDIA_IMAGE_PATH.match(value, len(media_url)):
            return value
        return None
    if attribute in ("width", "height", "data-file"):
        return value if _DIGITS.match(value) else None
    return value


ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}

# Word and Google Docs wrap everything in spans, leave empty paragraphs and
# non-breaking-space padding; nh3 drops the tags but not the emptiness.
_EMPTY_PARAGRAPH = re.compile(r"<p>(?:\s|&nbsp;|\u00a0|<br>)*</p>")

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_URL_SCHEMES,
    # Drop the content of these along with the tag, not just the tag.
    clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "noscript"},
    link_rel="noopener noreferrer",
    strip_comments=True,
    attribute_filter=_img_attribute,
)


def sanitize_html(html: str) -> str:
    """Return `html` reduced to the allowed tags, attributes and link schemes."""
    if not html:
        return ""
    cleaned = _IMG_WITHOUT_SRC.sub("", _cleaner.clean(html))
    return _EMPTY_PARAGRAPH.sub("", cleaned).strip()
