"""Topics offered on the newsletter signup form (wired in by settings.NEWSLETTER_TOPIC_CHOICES)."""

from posts.models import Topic


def topic_choices():
    """(slug, name) of every topic, by name."""
    return Topic.objects.order_by("name").values_list("slug", "name")
