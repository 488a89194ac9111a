"""Post bodies are sanitised by the site-wide allowlist in flse_hub/rich_text.py (pages use
it too); these names stay importable from here."""

from flse_hub.rich_text import (  # noqa: F401
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    sanitize_html,
)
