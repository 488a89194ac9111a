"""The rich-text editor and the allowlist every post and page body passes before it is stored.

The editor can only produce these tags, but a body can also arrive pasted
from Word, through the HTML view, the demo loader or a future import; the
server is the only place the rule can be enforced. Shared infrastructure: posts
and the site's pages use this one field and this one allowlist, and it imports
neither app.
"""

import re

import nh3
from django_prose_editor.fields import ProseEditorField

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "em", "a", "ul", "ol", "li", "blockquote",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
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
)


def sanitize_html(html: str) -> str:
    """Return `html` reduced to the allowed tags, attributes and link schemes."""
    if not html:
        return ""
    cleaned = _cleaner.clean(html)
    return _EMPTY_PARAGRAPH.sub("", cleaned).strip()


def rich_text_field(*args, **kwargs):
    """The body editor of posts (and of the site's pages): these tools, this sanitiser."""
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
        },
        sanitize=sanitize_html,
        **kwargs,
    )
