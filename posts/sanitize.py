"""Post bodies are sanitised by the site-wide allowlist in flse_hub/rich_text.py, with
library images (pages use the same); these names stay importable from here."""

from flse_hub.rich_text import (  # noqa: F401
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    IMAGE_TAGS,
)
from flse_hub.rich_text import sanitize_html_with_images as sanitize_html  # noqa: F401
