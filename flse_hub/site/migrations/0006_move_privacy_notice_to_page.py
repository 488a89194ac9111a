"""The privacy notice becomes the page "privacy" (/privacy/); people's own table goes next.

Forward: the notice's plain text (paragraphs separated by blank lines, bare web
addresses) becomes sanitised HTML in a published page, dropping the line the old
default carried for staff ("Staff: edit this notice in the admin…"), which was
printed to every reader. Backward: the page's text returns to the notice as plain
paragraphs (its links as bare addresses), and the page is deleted.
"""

import re
from html import unescape

from django.db import migrations
from django.utils import timezone
from django.utils.html import escape, strip_tags, urlize

from flse_hub.rich_text import sanitize_html

SLUG = "privacy"
STAFF_LINE = re.compile(r"^Staff:.*admin", re.IGNORECASE)


def text_to_html(text):
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    html = "".join(
        "<p>" + urlize(escape(p)).replace("\n", "<br>") + "</p>"
        for p in paragraphs
        if p and not STAFF_LINE.match(p)
    )
    return sanitize_html(html)


def html_to_text(html):
    # Links keep their address, in brackets after the words, so nothing is lost.
    linked = re.sub(
        r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>',
        lambda m: m.group(2) if m.group(2) == m.group(1) else f"{m.group(2)} ({m.group(1)})",
        html,
    )
    blocks = re.split(r"</(?:p|h[2-4]|li|blockquote)>", linked)
    paragraphs = [unescape(strip_tags(b.replace("<br>", "\n"))).strip() for b in blocks]
    return "\n\n".join(p for p in paragraphs if p)


def plain_words(html):
    return " ".join(unescape(strip_tags(re.sub(r"<", " <", html))).split())


def notice_to_page(apps, schema_editor):
    PrivacyNotice = apps.get_model("people", "PrivacyNotice")
    Page = apps.get_model("site", "Page")
    notice = PrivacyNotice.objects.filter(pk=1).first()
    if notice is None or Page.objects.filter(slug=SLUG).exists():
        return
    body = text_to_html(notice.body)
    now = timezone.now()
    # Historical models have no custom save(): what Page.save() derives is set here.
    Page.objects.create(
        title=notice.title or "Privacy notice",
        slug=SLUG,
        body=body,
        search_text=plain_words(body),
        status="published",
        published_at=notice.updated_at or now,
        seo_description="How we use your details when you sign up for our newsletter, "
        "how long we keep them and your rights.",
    )


def page_to_notice(apps, schema_editor):
    PrivacyNotice = apps.get_model("people", "PrivacyNotice")
    Page = apps.get_model("site", "Page")
    page = Page.objects.filter(slug=SLUG).first()
    if page is None:
        return
    PrivacyNotice.objects.update_or_create(
        pk=1, defaults={"title": page.title, "body": html_to_text(page.body)}
    )
    page.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("site", "0005_pages"),
        ("people", "0005_track_confirmation_delivery"),
    ]

    operations = [migrations.RunPython(notice_to_page, page_to_notice)]
