"""What a newsletter issue says, and to whom: composing, matching topics, the email itself.

Posts come from the function settings.NEWSLETTER_POSTS names, and the sender's name
and postal address from settings.NEWSLETTER_SENDER: the project's settings wire in
posts and the site app, so people imports neither (DESIGN.md).

The email carries no tracking: no images at all, links straight to the site's own
addresses (never through a redirector), nothing that tells us who opened what.
"""

import html as html_module
import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from people import tokens
from people.models import IssuePost, NewsletterIssue, Subscriber
from people.topics import topic_names

# A subject is one line: anything that could end a header is flattened to a space.
_LINE_BREAKS = str.maketrans(dict.fromkeys("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029", " "))


@dataclass(frozen=True)
class DigestPost:
    post_id: int
    title: str
    path: str
    summary: str
    topic_slugs: tuple
    published_at: datetime | None = None


@dataclass(frozen=True)
class Sender:
    organisation_name: str
    postal_address_lines: tuple = ()


def published_posts(**kwargs):
    """DigestPosts from the configured source (settings.NEWSLETTER_POSTS), or none."""
    if not settings.NEWSLETTER_POSTS:
        return []
    return import_string(settings.NEWSLETTER_POSTS)(**kwargs)


def sender():
    """The organisation's name and postal address, from settings.NEWSLETTER_SENDER."""
    if settings.NEWSLETTER_SENDER:
        return import_string(settings.NEWSLETTER_SENDER)()
    return Sender(settings.ORGANISATION_NAME)


def last_sent_at():
    """When the last issue started sending: posts after it are the next issue's."""
    return (
        NewsletterIssue.objects.exclude(started_at=None)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )


def new_post_ids():
    """Posts published since the last issue went out: an issue's starting selection."""
    return [post.post_id for post in published_posts(since=last_sent_at())]


def set_posts(issue, post_ids):
    """Copy the chosen posts (those still published) into the issue, newest first."""
    chosen = published_posts(ids=post_ids, limit=len(post_ids) or 1) if post_ids else []
    with transaction.atomic():
        issue.items.all().delete()
        IssuePost.objects.bulk_create(
            IssuePost(
                issue=issue,
                position=position,
                post_id=post.post_id,
                title=post.title,
                path=post.path,
                summary=post.summary,
                topic_slugs=list(post.topic_slugs),
                published_at=post.published_at,
            )
            for position, post in enumerate(chosen)
        )


def still_public_items(issue):
    """The issue's posts that the public may still see: one withdrawn since is left out
    of the archive (its title and summary too). Two queries."""
    items = list(issue.items.all())
    if not items:
        return []
    ids = [i.post_id for i in items]
    public = {post.post_id for post in published_posts(ids=ids, limit=len(ids))}
    return [item for item in items if item.post_id in public]


def matching(items, topic_slugs):
    """The items a subscriber with these topics gets: all of them if they chose none."""
    chosen = set(topic_slugs)
    if not chosen:
        return list(items)
    return [item for item in items if chosen.intersection(item.topic_slugs)]


def recipients(issue):
    """Active subscribers who would get at least one of the issue's posts."""
    items = list(issue.items.all())
    if not items:
        return Subscriber.objects.none()
    slugs = {slug for item in items for slug in item.topic_slugs}
    return (
        Subscriber.objects.filter(status=Subscriber.Status.ACTIVE)
        .filter(Q(interests__isnull=True) | Q(interests__topic_slug__in=slugs))
        .distinct()
    )


# The email ---------------------------------------------------------------------------


def _absolute(path, base_url=None):
    return (base_url or settings.SITE_URL).rstrip("/") + path


_LINK = re.compile(r'<a\s[^>]*href="([^"]*)"[^>]*>(.*?)</a>', re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_BLOCK_END = re.compile(r"</(?:p|h2|h3|h4|li|blockquote|ul|ol)>", re.IGNORECASE)


def html_to_text(sanitised):
    """Sanitised rich text as plain text: paragraphs apart, links written out."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", sanitised)
    text = _BLOCK_END.sub("\n\n", _BREAK.sub("\n", text))
    text = html_module.unescape(strip_tags(text))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def one_line(text):
    return " ".join(text.translate(_LINE_BREAKS).split())


def context(issue, items, *, subscriber=None, base_url=None, shared=None, personal_links=True):
    """What the issue's templates (email and preview) need for one reader.

    Without a subscriber (a test send, a preview), or with `personal_links=False` (staff
    previewing what a subscriber would get: their links would let staff change that
    person's topics or unsubscribe them), the personal links are made for no one: they
    lead to pages that say the link is not valid. `shared` (from shared_context()) saves
    a batch asking for the same topic names and sender each time.
    """
    shared = shared or shared_context()
    pk = subscriber.pk if subscriber and personal_links else 0
    unsubscribe_token = tokens.make(tokens.UNSUBSCRIBE, pk)
    names = shared["topic_names"]
    chosen = (
        [names.get(i.topic_slug, i.topic_slug) for i in subscriber.interests.all()]
        if subscriber
        else []
    )
    who = shared["sender"]
    return {
        "issue": issue,
        "subject": one_line(issue.subject),
        "introduction_text": html_to_text(issue.introduction),
        "items": [{"item": item, "url": _absolute(item.path, base_url)} for item in items],
        "subscriber": subscriber,
        "chosen_topics": chosen,
        "ORGANISATION_NAME": who.organisation_name,
        "postal_address_lines": who.postal_address_lines,
        "SITE_NAME": settings.SITE_NAME,
        "site_url": _absolute("/", base_url),
        "unsubscribe_url": _absolute(
            reverse("people:newsletter-unsubscribe", kwargs={"token": unsubscribe_token}),
            base_url,
        ),
        "one_click_url": _absolute(
            reverse("people:newsletter-one-click", kwargs={"token": unsubscribe_token}), base_url
        ),
        "manage_url": _absolute(
            reverse(
                "people:newsletter-manage", kwargs={"token": tokens.make(tokens.ISSUE_MANAGE, pk)}
            ),
            base_url,
        ),
    }


def shared_context():
    """What every recipient's email shares: topic names and the sender (a few queries)."""
    return {"topic_names": topic_names(), "sender": sender()}


def html(ctx):
    return render_to_string("emails/newsletter_issue.html", ctx)


def message(
    issue, items, *, subscriber=None, to=None, subject_prefix="", base_url=None, shared=None
):
    """The issue as one email: plain text and HTML, with RFC 8058 one-click unsubscribe."""
    from people.services import _NewsletterEmail

    ctx = context(issue, items, subscriber=subscriber, base_url=base_url, shared=shared)
    email = _NewsletterEmail(
        subject=subject_prefix + ctx["subject"],
        body=render_to_string("emails/newsletter_issue.txt", ctx),
        to=[to or subscriber.email],
        headers={
            "List-Unsubscribe": f"<{ctx['one_click_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # Bulk mail, so auto-responders stay quiet (RFC 3834).
            "Auto-Submitted": "auto-generated",
            "Precedence": "bulk",
        },
    )
    email.attach_alternative(html(ctx), "text/html")
    return email


def subject_for_test():
    return _("[Test] ")


def send_test(issue_pk, address, *, base_url=None):
    """Send the issue, with every post, to one staff address (the "send a test" button)."""
    issue = NewsletterIssue.objects.get(pk=issue_pk)
    email = message(
        issue,
        list(issue.items.all()),
        to=address,
        subject_prefix=subject_for_test(),
        base_url=base_url,
    )
    mail.mailers.default.send_messages([email])
    return timezone.now()
