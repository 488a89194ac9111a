"""Topics a subscriber can choose, from whichever app settings.NEWSLETTER_TOPIC_CHOICES names.

people never imports posts (DESIGN.md); the project's settings wire the two.
"""

from django.conf import settings
from django.utils.module_loading import import_string


def topic_choices():
    """(slug, name) pairs, or an empty list when no topic source is configured."""
    if not settings.NEWSLETTER_TOPIC_CHOICES:
        return []
    return list(import_string(settings.NEWSLETTER_TOPIC_CHOICES)())


def topic_names():
    return dict(topic_choices())
