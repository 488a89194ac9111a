"""Atom and RSS feeds: every public post, per topic and per person.

Each item carries the full sanitised body, the standfirst as its summary, the
authors' public names (an anonymous credit by its label only), topics as
categories, and both publication and update dates.

Plain text and HTML: titles, names and categories are text in both formats
(the XML writer escapes them once). Atom's <summary type="html"> and RSS's
<description> (an item's and the channel's) hold HTML that a reader renders,
so plain text going there is HTML-escaped first; otherwise a standfirst of
"3 < 5" is mangled and one of "<img onerror=…>" runs in the reader.
"""

import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from posts.media.body import absolute_image_urls
from posts.models import Post, Topic, publicly_credited_people

FEED_LENGTH = 50

# Characters XML 1.0 cannot carry at all. Word's line break (\x0b) pasted into a
# title would otherwise make Django's writer raise, and the whole feed answer 500.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(value):
    """`value` (a string, or strings in lists, tuples and dicts) without XML-invalid characters."""
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, list | tuple):
        return type(value)(_xml_safe(v) for v in value)
    if isinstance(value, dict):
        return {k: _xml_safe(v) for k, v in value.items()}
    return value


class XmlSafeFeed:
    """A feed generator mixin that drops characters XML cannot hold from every value."""

    def __init__(self, *args, **kwargs):
        super().__init__(*_xml_safe(args), **_xml_safe(kwargs))

    def add_item(self, *args, **kwargs):
        super().add_item(*_xml_safe(args), **_xml_safe(kwargs))


class AtomWithContent(XmlSafeFeed, Atom1Feed):
    """Atom with several <author>s per entry and the full body as <content>."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, link in item["authors"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            if link:
                handler.addQuickElement("uri", link)
            handler.endElement("author")
        handler.addQuickElement("content", item["content"], {"type": "html"})


class RssWithContent(XmlSafeFeed, Rss201rev2Feed):
    """RSS 2.0 with dc:creator per author and the full body as content:encoded."""

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:dc": "http://purl.org/dc/elements/1.1/",
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, _link in item["authors"]:
            handler.addQuickElement("dc:creator", name)
        handler.addQuickElement("content:encoded", item["content"])


class PostFeed(Feed):
    """All public posts, newest first."""

    feed_type = AtomWithContent

    @classmethod
    def view(cls):
        """A view that makes a feed per request, so `self.request` is never shared."""

        def feed_view(request, *args, **kwargs):
            return cls()(request, *args, **kwargs)

        return feed_view

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def title(self, obj):
        return settings.SITE_NAME

    def subtitle(self, obj):
        return _("Practice learning from %(organisation)s") % {
            "organisation": settings.ORGANISATION_NAME
        }

    def description(self, obj):
        # RSS's channel description is HTML; Atom's subtitle (above) is text.
        return escape(self.subtitle(obj))

    def link(self, obj):
        return reverse("posts:list")

    def author_name(self, obj):
        return settings.ORGANISATION_NAME

    def posts(self, obj):
        return Post.objects.published()

    def items(self, obj):
        # with_card_data() prefetches bylines and topics; the feed needs the body too.
        return self.posts(obj).with_card_data().defer(None)[:FEED_LENGTH]

    def item_title(self, post):
        return post.title

    def item_description(self, post):
        # Atom's <summary type="html"> and RSS's <description> are HTML; the standfirst is text.
        return escape(post.standfirst)

    def item_pubdate(self, post):
        return post.published_at

    def item_updateddate(self, post):
        return max(post.updated_at, post.published_at)

    def item_categories(self, post):
        return [topic.name for topic in post.topics.all()]

    def item_extra_kwargs(self, post):
        return {
            "authors": [
                (
                    credit.public_name,
                    self.request.build_absolute_uri(credit.public_person.get_absolute_url())
                    if credit.public_person
                    else "",
                )
                for credit in post.author_credits
            ],
            "content": absolute_image_urls(post.body, self.request.build_absolute_uri),
        }


class PostRssFeed(PostFeed):
    feed_type = RssWithContent


class TopicFeed(PostFeed):
    """Public posts on one topic."""

    def get_object(self, request, slug):
        return get_object_or_404(Topic, slug=slug)

    def title(self, topic):
        return f"{topic.name} – {settings.SITE_NAME}"

    def subtitle(self, topic):
        return topic.description or topic.name

    def link(self, topic):
        return topic.get_absolute_url()

    def posts(self, topic):
        return Post.objects.published().filter(topics=topic)


class TopicRssFeed(TopicFeed):
    feed_type = RssWithContent


class PersonFeed(PostFeed):
    """Public posts on which a person is credited by name (never their anonymous ones)."""

    def get_object(self, request, slug):
        # Like the person's page: no public posts, no feed, in one query either way.
        return get_object_or_404(publicly_credited_people(), slug=slug)

    def title(self, person):
        return f"{person.name} – {settings.SITE_NAME}"

    def subtitle(self, person):
        return _("Posts by %(name)s") % {"name": person.name}

    def link(self, person):
        return person.get_absolute_url()

    def posts(self, person):
        return Post.objects.published().credited_publicly_to(person)


class PersonRssFeed(PersonFeed):
    feed_type = RssWithContent
