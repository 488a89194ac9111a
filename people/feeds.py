"""The newsletter archive as an Atom feed: each sent issue, with the posts it told of.

Titles are text (the XML writer escapes them); the content is HTML that a reader
renders, built from escaped text and the sanitised introduction only.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from people import digest
from people.models import NewsletterIssue

FEED_LENGTH = 20


class IssueFeed(Feed):
    feed_type = Atom1Feed
    description_template = "people/newsletter_issue_feed_item.html"

    def title(self):
        return f"{settings.SITE_NAME}: newsletter"

    def link(self):
        return reverse("people:newsletter-issues")

    def subtitle(self):
        return f"Every newsletter {settings.ORGANISATION_NAME} has sent."

    def items(self):
        return NewsletterIssue.objects.public().order_by("-sent_at", "-pk")[:FEED_LENGTH]

    def item_title(self, issue):
        return issue.subject

    def get_context_data(self, *, item, request, **kwargs):
        # From the request each time, never stored on the feed: one instance serves every
        # request (and thread). Links inside an entry must be absolute: readers show it
        # elsewhere.
        return {
            "issue": item,
            "items": digest.still_public_items(item),
            "site_root": request.build_absolute_uri("/").rstrip("/"),
        }

    def item_pubdate(self, issue):
        return issue.sent_at

    def item_updateddate(self, issue):
        return issue.sent_at
