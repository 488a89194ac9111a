"""The newsletter's rate limits use the site's one limiter (flse_hub.ratelimit)."""

from flse_hub.ratelimit import allow

__all__ = ["allow"]
