from datetime import timedelta

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree
from lxml import html as lxml_html

from posts.models import Post
from tests.factories import make_person, make_post, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    alan = make_person("Alan Wallace")
    hidden = make_person("Hidden Writer")
    topic = make_topic("Co-production")
    other = make_topic("Employment")
    public = make_post(
        "Joined up support",
        authors=[alan],
        topics=[topic],
        body="<h2>Why</h2><p>Because <strong>joined up</strong> works.</p>",
    )
    # Edited a week after publication: feeds carry the updated date.
    edited_at = public.published_at + timedelta(days=7)
    Post.objects.filter(pk=public.pk).update(updated_at=edited_at)
    make_post("Secret draft", published=False, authors=[alan], topics=[topic])
    make_post("Future post", published_at=timezone.now() + timedelta(days=2), authors=[alan])
    anonymous = make_post(
        "Seeing the whole person",
        authors=[(hidden, {"anonymous": True, "public_label": "Anonymous team member"})],
        topics=[topic, other],
    )
    return {"alan": alan, "hidden": hidden, "topic": topic, "other": other, "public": public,
            "anonymous": anonymous, "edited_at": edited_at}  # fmt: skip


def parse(client, name, **kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return response, feed


@pytest.mark.parametrize("name", ["posts:feed-atom", "posts:feed-rss"])
def test_site_feed_has_public_posts_with_full_content_and_public_names_only(client, site, name):
    response, feed = parse(client, name)
    assert response["Content-Type"].startswith(
        "application/atom+xml" if "atom" in name else "application/rss+xml"
    )
    titles = [entry.title for entry in feed.entries]
    assert sorted(titles) == ["Joined up support", "Seeing the whole person"]
    body = response.content.decode()
    assert "Secret draft" not in body and "Future post" not in body
    assert "Hidden Writer" not in body and "hidden-writer" not in body

    entries = {entry.title: entry for entry in feed.entries}
    public = entries["Joined up support"]
    assert "<strong>joined up</strong>" in public.content[0].value  # full sanitised body
    assert public.summary == "Standfirst of Joined up support."
    assert [a.name for a in public.authors] == ["Alan Wallace"]
    assert [t.term for t in public.tags] == ["Co-production"]
    assert public.link.endswith(site["public"].get_absolute_url())
    assert [a.name for a in entries["Seeing the whole person"].authors] == ["Anonymous team member"]


def test_atom_entries_carry_published_and_updated_dates(client, site):
    _, feed = parse(client, "posts:feed-atom")
    public = next(e for e in feed.entries if e.title == "Joined up support")
    published = site["public"].published_at
    assert public.published_parsed[:6] == published.utctimetuple()[:6]
    assert public.updated_parsed[:6] == site["edited_at"].utctimetuple()[:6]


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_topic_feed_lists_only_that_topic(client, site, fmt):
    _, feed = parse(client, f"posts:topic-feed-{fmt}", slug=site["other"].slug)
    assert [e.title for e in feed.entries] == ["Seeing the whole person"]
    assert feed.feed.title.startswith("Employment")


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_person_feed_lists_only_publicly_credited_posts(client, site, fmt):
    _, feed = parse(client, f"posts:person-feed-{fmt}", slug=site["alan"].slug)
    assert [e.title for e in feed.entries] == ["Joined up support"]


def test_person_with_only_anonymous_posts_has_no_feed(client, site):
    url = reverse("posts:person-feed-atom", kwargs={"slug": site["hidden"].slug})
    assert client.get(url).status_code == 404
    assert client.get(reverse("posts:topic-feed-rss", kwargs={"slug": "nope"})).status_code == 404


def test_pages_advertise_their_feeds(client, site):
    def alternates(url):
        html = client.get(url).content.decode()
        return [
            href for href in (
                reverse(n, kwargs=k) for n, k in candidates
            ) if f'href="{href}"' in html
        ]  # fmt: skip

    topic, alan = site["topic"], site["alan"]
    candidates = [
        ("posts:feed-atom", {}), ("posts:feed-rss", {}),
        ("posts:topic-feed-atom", {"slug": topic.slug}),
        ("posts:topic-feed-rss", {"slug": topic.slug}),
        ("posts:person-feed-atom", {"slug": alan.slug}),
        ("posts:person-feed-rss", {"slug": alan.slug}),
    ]  # fmt: skip
    site_feeds = [reverse("posts:feed-atom"), reverse("posts:feed-rss")]
    assert alternates(reverse("posts:home")) == site_feeds
    assert alternates(reverse("posts:list")) == site_feeds
    assert alternates(topic.get_absolute_url()) == [
        reverse("posts:topic-feed-atom", kwargs={"slug": topic.slug}),
        reverse("posts:topic-feed-rss", kwargs={"slug": topic.slug}),
    ]
    assert alternates(alan.get_absolute_url()) == [
        reverse("posts:person-feed-atom", kwargs={"slug": alan.slug}),
        reverse("posts:person-feed-rss", kwargs={"slug": alan.slug}),
    ]
    html = client.get(reverse("posts:home")).content.decode()
    assert 'rel="alternate" type="application/atom+xml"' in html


@pytest.mark.parametrize("name", ["posts:feed-atom", "posts:feed-rss"])
def test_standfirst_is_text_in_the_html_summary(client, name):
    """Atom <summary type="html"> and RSS <description> are HTML: plain text is escaped."""
    standfirst = '"><img src=x onerror=alert(1)> and 3 < 5 & 6 > 2'
    make_post("Escaped", standfirst=standfirst)
    _, feed = parse(client, name)
    (entry,) = feed.entries
    summary = lxml_html.fragment_fromstring(entry.summary, create_parent="div")
    assert summary.text_content() == standfirst
    assert len(summary) == 0  # no element: the <img> is text


def test_rss_channel_description_is_escaped_but_atom_subtitle_is_text(client):
    topic = make_topic("Housing & <health>", description="Rent < income & more")
    make_post("On topic", topics=[topic])
    rss = client.get(reverse("posts:topic-feed-rss", kwargs={"slug": topic.slug})).content
    atom = client.get(reverse("posts:topic-feed-atom", kwargs={"slug": topic.slug})).content
    description = etree.fromstring(rss).findtext("channel/description")
    assert description == "Rent &lt; income &amp; more"  # HTML, read back by an HTML parser
    subtitle = etree.fromstring(atom).findtext("{http://www.w3.org/2005/Atom}subtitle")
    assert subtitle == "Rent < income & more"


@pytest.mark.parametrize("name", ["posts:feed-atom", "posts:feed-rss"])
def test_characters_xml_cannot_hold_are_dropped_not_a_500(client, name):
    # Word's manual line break (\x0b) arrives in pasted titles; XML 1.0 has no way to say it.
    make_post("Line\x0bbreak\x1f here", standfirst="Form\x0cfeed")
    _, feed = parse(client, name)
    (entry,) = feed.entries
    assert entry.title == "Linebreak here"
    assert entry.summary == "Formfeed"
