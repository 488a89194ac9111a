"""The newsletter archive as an Atom feed: each sent issue, with the posts it told of.

Titles are text (the XML writer escapes them); the content is HTML that a reader
renders, built from escaped text and the sanitised introduction only.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from people import digest
from people.models import NewsletterIssue

FEED_LENGTH = 20


class IssueFeed(Feed):
    feed_type = Atom1Feed

    def get_feed(self, obj, request):
        # Links inside an entry's content must be absolute: readers show it elsewhere.
        self.site_root = request.build_absolute_uri("/").rstrip("/")
        return super().get_feed(obj, request)

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

    def item_description(self, issue):
        return render_to_string(
            "people/newsletter_issue_feed_item.html",
            {
                "issue": issue,
                "items": digest.still_public_items(issue),
                "site_root": self.site_root,
            },
        )

    def item_pubdate(self, issue):
        return issue.sent_at

    def item_updateddate(self, issue):
        return issue.sent_at
