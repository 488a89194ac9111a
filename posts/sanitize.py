"""Post bodies are sanitised by the site-wide allowlist in flse_hub/rich_text.py (pages use
it too, without images); these names stay importable from here."""

from flse_hub import rich_text
from flse_hub.rich_text import (  # noqa: F401
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    IMAGE_TAGS,
)


def sanitize_html(html: str) -> str:
    """A post body's allowlist: the site's, with library images (posts.media.body)."""
    return rich_text.sanitize_html(html, images=True)
