"""The rich-text editor and the allowlist every post and page body passes before it is stored.

The editor can only produce these tags, but a body can also arrive pasted
from Word, through the HTML view, the demo loader or a future import; the
server is the only place the rule can be enforced. Shared infrastructure: posts
and the site's pages use this one field and this one allowlist, and it imports
neither app.
"""

import re

import nh3
from django.conf import settings
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django_prose_editor.fields import ProseEditorField

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "em", "a", "ul", "ol", "li", "blockquote",
}  # fmt: skip
# Images from the media library, with an optional caption: only in bodies whose app
# rewrites every <img> from its library record on save (posts.media.body).
IMAGE_TAGS = {"figure", "figcaption", "img"}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    # data-file is the library image's id (the name django-prose-editor's Figure gives it).
    "img": {"src", "alt", "width", "height", "data-file"},
    # nh3 otherwise allows lang and title on every tag: only the lists above count.
    "*": set(),
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}

# A stored image's address: this site's MEDIA_URL and a name flse_hub.uploads.RandomName
# made (folders, a random name, an image extension). No query, no "..", no other host.
_MEDIA_IMAGE_PATH = re.compile(
    r"(?:[A-Za-z0-9_-]{1,64}/){0,4}[A-Za-z0-9_-]{1,64}\.(?:jpg|png|webp|gif)\Z"
)
_DIGITS = re.compile(r"[0-9]{1,12}\Z")
# An image whose address was refused is no image. nh3 escapes ">" inside attribute values,
# so a tag ends at the first ">".
_IMG_WITHOUT_SRC = re.compile(r'<img(?![^>]*\ssrc=")[^>]*>')

# Word and Google Docs wrap everything in spans, leave empty paragraphs and
# non-breaking-space padding; nh3 drops the tags but not the emptiness.
_EMPTY_PARAGRAPH = re.compile(r"<p>(?:\s|&nbsp;|\u00a0|<br>)*</p>")


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


def _cleaner(tags):
    return nh3.Cleaner(
        tags=tags,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        # Drop the content of these along with the tag, not just the tag.
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "noscript"},
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=_img_attribute,
    )


_text_cleaner = _cleaner(ALLOWED_TAGS)
_cleaner_with_images = _cleaner(ALLOWED_TAGS | IMAGE_TAGS)


def sanitize_html(html: str, *, images: bool = False) -> str:
    """Return `html` reduced to the allowed tags, attributes and link schemes.

    With `images`, library images (<figure>, <figcaption>, <img> of this site's media)
    are kept too; the caller must then resolve each <img> against the library.
    """
    if not html:
        return ""
    if images:
        cleaned = _IMG_WITHOUT_SRC.sub("", _cleaner_with_images.clean(html))
    else:
        cleaned = _text_cleaner.clean(html)
    return _EMPTY_PARAGRAPH.sub("", cleaned).strip()


# The media library's chooser (posts.media), named by URL: this module imports no app.
IMAGE_PICKER_URL = format_lazy("{}?mode=body", reverse_lazy("admin:media_image_choose"))


def rich_text_field(*args, images=False, **kwargs):
    """The body editor of posts and of the site's pages: these tools, this sanitiser.

    With `images`, the editor's figure button inserts images from the media library's
    chooser and the sanitiser keeps them: only for bodies whose save resolves each one
    against the library (posts.media.body), so nothing else survives.
    """
    image_extensions = (
        {"Figure": {"pickerUrl": IMAGE_PICKER_URL}, "Image": True, "Caption": True}
        if images
        else {}
    )
    return ProseEditorField(
        *args,
        extensions={
            "Bold": True,
            "Italic": True,
            "Heading": {"levels": [2, 3, 4]},
            "BulletList": True,
            "OrderedList": True,
            "ListItem": True,
            "Blockquote": True,
            "HardBreak": True,
            "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto", "tel"]},
            "History": True,
            # The editor turns the browser's spell checker off by default; writers want it.
            "NoSpellCheck": False,
            **image_extensions,
        },
        sanitize=sanitize_html_with_images if images else sanitize_html,
        **kwargs,
    )


def sanitize_html_with_images(html: str) -> str:
    """The allowlist of bodies that keep library images (posts and pages)."""
    return sanitize_html(html, images=True)
