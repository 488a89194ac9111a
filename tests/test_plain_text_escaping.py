"""Plain text stays text: every plain-text field, in every output that prints it.

The sweep stores a hostile string in one field, fetches one output, parses it
with a real parser (html5lib for pages, lxml and feedparser for feeds, json
for JSON-LD, bibtexparser and pylatexenc for BibTeX, rispy for RIS,
email.parser for emails) and checks two things:

- the text reads back as typed, after the one normalisation its format
  documents (HTML and XML parsers turn CR LF into LF; BibTeX and RIS hold a
  value on one line, so runs of white space become one space);
- the output has exactly the structure it has when the field holds harmless
  words: no element, attribute, JSON key, feed element, BibTeX field, RIS
  tag or email header was injected.

`CASES` times `HOSTILE` is the figure in the closing note of issue 9:
`pytest tests/test_plain_text_escaping.py -q` prints it as the passed count,
and `pytest tests/test_plain_text_escaping.py --collect-only -q` per format.
"""

import email
import email.policy
import json
from datetime import datetime

import bibtexparser
import feedparser
import html5lib
import pytest
import rispy
from bibtexparser.middlewares import SeparateCoAuthors, SplitNameParts
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from lxml import etree
from pylatexenc import latex2text

from flse_hub.site.models import SiteSettings
from people import consent, tokens
from people.models import Person, Subscriber
from posts.citations import harvard_title
from posts.models import Credit, Post, Resource, Topic
from tests.people.helpers import run_worker

pytestmark = pytest.mark.django_db

HOSTILE = {
    "attribute-breakout": '"><img src=x onerror=alert(1)>',
    "comparison": "3 < 5 & 6 > 2",
    "script-close": "</script><script>alert(1)</script>",
    "comment-open": "<!--",
    "cdata-close": "]]>",
    "latex-specials": "{}\\%#_~^$&",
    "ris-line-break": "a\r\nER  - x",
    "quotes": "'\"",
    # Commas and " and " matter to BibTeX name lists; astral emoji to every encoder.
    "long-unicode": (
        "“Curly” and ‘single’ quotes, an em dash — an ellipsis… naïve café, "
        "Ærøskøbing, Łódź, 東京, שלום, emoji 😀 👩🏽‍💻 🏳️‍🌈; " * 4
    ).strip(),
}
BENIGN = "Plain words"
SEARCH_WORD = "zebrafish"
PUBLISHED = timezone.make_aware(datetime(2022, 3, 4, 10, 0))

DEFAULTS = {
    "post.title": "Joined up support",
    "post.standfirst": "Why joined up support works.",
    "post.content_note": "This post discusses loss.",
    # Empty, so the title and standfirst fill the meta tags, until they are the field tried.
    "post.seo_title": "",
    "post.seo_description": "",
    "person.name": "Alan Wallace",
    "person.job_title": "Peer mentor",
    "person.bio": "Alan writes about housing.",
    "credit.role_title": "Systems Change Officer",
    "credit.public_label": "Anonymous team member",
    "topic.name": "Co-production",
    "topic.description": "Working with people.",
    "resource.title": "The toolkit",
    "resource.description": "Published by us",
    "site.name": "FLSE Learning Hub",
    "organisation.name": "Fulfilling Lives South East",
    "subscriber.name": "Sam",
}
MODELS = {
    "post": Post,
    "person": Person,
    "credit": Credit,
    "topic": Topic,
    "resource": Resource,
    "subscriber": Subscriber,
}

# Pages read the names from Site settings (flse_hub.site); feeds, citations and emails
# from settings.SITE_NAME and ORGANISATION_NAME. The scene sets both alike.
SITE_SETTINGS_FIELDS = {"site.name": "site_name", "organisation.name": "organisation_name"}


def fit(field, text):
    """`text` cut to the field's max_length (PostgreSQL enforces it; SQLite would not)."""
    if field in SITE_SETTINGS_FIELDS:
        return text[: SiteSettings._meta.get_field(SITE_SETTINGS_FIELDS[field]).max_length]
    model, _, name = field.partition(".")
    if model in MODELS:
        max_length = MODELS[model]._meta.get_field(name).max_length
        return text[:max_length] if max_length else text
    return text


def lf(text):
    """What an HTML or XML parser reads back: CR LF and CR become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def one_line(text):
    """What BibTeX and RIS hold: one line, runs of white space as one space."""
    return " ".join(text.split())


def inverted(name):
    """A named author as citations print them: "family, given", split at the last space."""
    *given, family = name.split()
    return f"{family}, {' '.join(given)}" if given else family


# The scene -------------------------------------------------------------------


class Scene:
    """A published post by a named and an anonymous author, with a topic and a resource."""

    def __init__(self, settings, texts, *, search_snippet=False):
        self.settings = settings
        self.texts = texts
        settings.SITE_NAME = texts["site.name"]
        settings.ORGANISATION_NAME = texts["organisation.name"]
        for field in SITE_SETTINGS_FIELDS:
            self._set_site_settings(field, texts[field])
        self.topic = Topic.objects.create(
            name=texts["topic.name"], slug="the-topic", description=texts["topic.description"]
        )
        self.person = Person.objects.create(
            name=texts["person.name"],
            slug="alan",
            job_title=texts["person.job_title"],
            bio=texts["person.bio"],
        )
        hidden = Person.objects.create(name="Hidden Writer", slug="hidden")
        # The search word is in the body, except when the standfirst's snippet is tested.
        standfirst = texts["post.standfirst"]
        body = f"<p>{SEARCH_WORD.title()} and support.</p>"
        if search_snippet:
            standfirst, body = f"{standfirst} {SEARCH_WORD}", "<p>Support.</p>"
        self.post = Post.objects.create(
            title=texts["post.title"],
            slug="the-post",
            standfirst=standfirst,
            body=body,
            content_note=texts["post.content_note"],
            seo_title=texts["post.seo_title"],
            seo_description=texts["post.seo_description"],
            status=Post.Status.PUBLISHED,
            published_at=PUBLISHED,
        )
        self.post.topics.set([self.topic])
        self.named = Credit.objects.create(
            post=self.post, person=self.person, role_title=texts["credit.role_title"], order=0
        )
        self.anonymous = Credit.objects.create(
            post=self.post,
            person=hidden,
            anonymous=True,
            public_label=texts["credit.public_label"],
            order=1,
        )
        Resource.objects.create(
            post=self.post,
            title=texts["resource.title"],
            description=texts["resource.description"],
            url="https://example.org/toolkit",
        )

    def _set_site_settings(self, field, value):
        site = SiteSettings.objects.get(pk=1)
        setattr(site, SITE_SETTINGS_FIELDS[field], value)
        site.save()

    def set(self, field, value):
        """Store `value` in `field` as staff would (a save, so search re-indexes)."""
        self.texts = {**self.texts, field: value}
        if field == "site.name":
            self.settings.SITE_NAME = value
            self._set_site_settings(field, value)
            return
        if field == "organisation.name":
            self.settings.ORGANISATION_NAME = value
            self._set_site_settings(field, value)
            return
        if field == "subscriber.name":
            return  # the email and manage checks sign up or create the subscriber themselves
        model, _, name = field.partition(".")
        obj = {
            "post": self.post,
            "person": self.person,
            "topic": self.topic,
            "resource": self.post.resources.get(),
            "credit": self.anonymous if name == "public_label" else self.named,
        }[model]
        if field == "post.standfirst" and self.post.standfirst.endswith(SEARCH_WORD):
            value = f"{value} {SEARCH_WORD}"
        setattr(obj, name, value)
        obj.save()


# Parsing each format: (texts found, structure) ------------------------------


def parse_html(content):
    return html5lib.parse(content, treebuilder="lxml", namespaceHTMLElements=False).getroot()


def html_structure(root):
    """Every element and comment in order, with its attribute names: what injection changes."""
    if not isinstance(root.tag, str):
        return [(str(root.tag), ())]
    shape = []
    for node in root.iter():
        if isinstance(node.tag, str):
            shape.append((node.tag, tuple(sorted(node.attrib))))
        else:  # comments and processing instructions
            shape.append((str(node.tag), ()))
    return shape


def fragment(markup):
    """An HTML fragment (the text of a feed's html content) parsed as a browser would."""
    return html5lib.parseFragment(markup, treebuilder="lxml", namespaceHTMLElements=False)


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def meta(doc, attr, name):
    return [el.get("content") for el in doc.iter("meta") if el.get(attr) == name]


def texts_of(doc, xpath):
    return ["".join(el.itertext()) for el in doc.xpath(xpath)]


def read_html(client, scene, field):
    """(found, expected) pairs for `field` on the pages that print it, and the pages' shape."""
    t = {k: lf(v) for k, v in scene.texts.items()}
    v = t[field]
    site = t["site.name"]
    post_url = scene.post.get_absolute_url()
    pages = {}

    def page(url):
        if url not in pages:
            pages[url] = parse_html(get(client, url).content)
        return pages[url]

    person_url = scene.person.get_absolute_url()
    topic_url = scene.topic.get_absolute_url()
    home = reverse("posts:home")
    checks = {
        "post.title": lambda: [
            (texts_of(page(post_url), "//h1"), [v]),
            (texts_of(page(post_url), "//title"), [f"{v} – {site}"]),
            (meta(page(post_url), "property", "og:title"), [v]),
            (meta(page(post_url), "name", "twitter:title"), [v]),
            (texts_of(page(home), "//*[@class='post-card__title']/a"), [v]),
            (meta(page(post_url), "name", "citation_title"), [v]),
            (
                # APA, then Harvard, which sets a quotation inside the title in double marks.
                [
                    text in p
                    for text, p in zip(
                        [v, harvard_title(v)],
                        texts_of(page(post_url), "//p[@class='cite-this__text']"),
                        strict=True,
                    )
                ],
                [True, True],
            ),
        ],
        "post.standfirst": lambda: [
            (texts_of(page(post_url), "//p[@class='standfirst']"), [v]),
            (meta(page(post_url), "name", "description"), [v]),
            (meta(page(post_url), "property", "og:description"), [v]),
            (meta(page(post_url), "name", "twitter:description"), [v]),
            (texts_of(page(home), "//p[@class='post-card__standfirst']"), [v]),
        ],
        "post.content_note": lambda: [
            (texts_of(page(post_url), "//aside[@class='content-note']/p"), [f"Content note: {v}"]),
        ],
        "post.seo_title": lambda: [
            (texts_of(page(post_url), "//title"), [f"{v} – {site}"]),
            (meta(page(post_url), "property", "og:title"), [v]),
            (meta(page(post_url), "name", "twitter:title"), [v]),
        ],
        "post.seo_description": lambda: [
            (meta(page(post_url), "name", "description"), [v]),
            (meta(page(post_url), "property", "og:description"), [v]),
            (meta(page(post_url), "name", "twitter:description"), [v]),
        ],
        "person.name": lambda: [
            (texts_of(page(post_url), "//ul[@class='byline__list']/li/a"), [v]),
            (meta(page(post_url), "name", "citation_author")[:1], [inverted(v)]),
            (texts_of(page(person_url), "//h1"), [v]),
            (texts_of(page(person_url), "//title"), [f"{v} – {site}"]),
            (meta(page(person_url), "property", "og:title"), [v]),
            (texts_of(page(person_url), "//main//h2"), [f"Posts by {v}"]),
            (
                page(person_url).xpath("//link[@rel='alternate']/@title"),
                [f"{v} (Atom)", f"{v} (RSS)"],
            ),
            (texts_of(page(home), "//p[@class='post-card__meta']/a"), [v]),
        ],
        "person.job_title": lambda: [
            (texts_of(page(person_url), "//p[@class='person__role']"), [v]),
        ],
        "person.bio": lambda: [
            (texts_of(page(person_url), "//div[@class='person']//p[not(@class)]"), [v]),
            (meta(page(person_url), "name", "description"), [v]),
            (meta(page(person_url), "property", "og:description"), [v]),
        ],
        "credit.role_title": lambda: [
            (texts_of(page(post_url), "//span[@class='byline__role']"), [f", {v}"]),
        ],
        "credit.public_label": lambda: [
            (texts_of(page(post_url), "//ul[@class='byline__list']/li")[1:], [v]),
            (meta(page(post_url), "name", "citation_author")[1:], [v]),
        ],
        "topic.name": lambda: [
            (texts_of(page(topic_url), "//h1"), [v]),
            (texts_of(page(topic_url), "//title"), [f"{v} – {site}"]),
            (meta(page(topic_url), "property", "og:title"), [v]),
            (texts_of(page(post_url), "//a[@class='topic-tag']"), [v]),
            (meta(page(post_url), "property", "article:tag"), [v]),
            (texts_of(page(reverse("posts:topics")), "//main//h2/a"), [v]),
            (texts_of(page(home), "//ul[@class='topic-cloud']/li/a"), [f"{v} (1)"]),
        ],
        "topic.description": lambda: [
            (texts_of(page(topic_url), "//p[@class='lead']"), [v]),
            (meta(page(topic_url), "name", "description"), [v]),
            (meta(page(topic_url), "property", "og:description"), [v]),
            (
                texts_of(
                    page(reverse("posts:topics")), "//ul[@class='topic-index']//p[not(@class)]"
                ),
                [v],
            ),
        ],
        "resource.title": lambda: [
            (texts_of(page(post_url), "//section[@class='resources']//li/a[1]"), [v]),
        ],
        "resource.description": lambda: [
            (texts_of(page(post_url), "//span[@class='resource__description']"), [f"({v})"]),
        ],
        "site.name": lambda: [
            (texts_of(page(home), "//a[@class='site-name']"), [v]),
            (texts_of(page(post_url), "//title"), [f"{t['post.title']} – {v}"]),
            (meta(page(post_url), "property", "og:site_name"), [v]),
        ],
        "organisation.name": lambda: [
            (meta(page(post_url), "name", "citation_publisher"), [v]),
            ([v in p for p in texts_of(page(home), "//footer//p")][-1:], [True]),
        ],
        "subscriber.name": lambda: [
            (page(_manage_url(scene, v)).xpath("//input[@name='name']/@value"), [v]),
        ],
    }
    found = checks[field]()
    return found, [html_structure(doc) for doc in pages.values()]


def _manage_url(scene, name):
    subscriber, _ = Subscriber.objects.update_or_create(
        email="sam@example.org",
        defaults={
            "name": scene.texts["subscriber.name"],
            "status": Subscriber.Status.ACTIVE,
            "consented_at": timezone.now(),
            "consent_version": consent.CURRENT_VERSION,
        },
    )
    return reverse("people:newsletter-manage", args=[tokens.make(tokens.MANAGE, subscriber.pk)])


def json_shape(data):
    if isinstance(data, dict):
        return {key: json_shape(value) for key, value in data.items()}
    if isinstance(data, list):
        return [json_shape(value) for value in data]
    return type(data).__name__


def read_json_ld(client, scene, field):
    doc = parse_html(get(client, scene.post.get_absolute_url()).content)
    (script,) = doc.xpath("//script[@type='application/ld+json']")
    data = json.loads(script.text)
    v = scene.texts[field]
    where = {
        "post.title": [(data["headline"], v)],
        "post.standfirst": [(data["description"], v)],
        "post.seo_description": [(data["description"], v)],
        "person.name": [(data["author"][0]["name"], v)],
        "credit.public_label": [(data["author"][1]["name"], v)],
        "topic.name": [(data["keywords"], [v])],
        "organisation.name": [(data["publisher"]["name"], v)],
    }[field]
    return where, [json_shape(data), html_structure(doc)]


FEEDS = {
    # field: (feed url name and the scene attribute whose slug it takes)
    "person.name": ("person-feed", "person"),
    "topic.name": ("topic-feed", "topic"),
    "topic.description": ("topic-feed", "topic"),
}


def read_feed(client, scene, field, kind):
    """A feed parsed by lxml (exact text, structure) and by feedparser (what readers see)."""
    name, owner = FEEDS.get(field, ("feed", None))
    kwargs = {"slug": getattr(scene, owner).slug} if owner else {}
    content = get(client, reverse(f"posts:{name}-{kind}", kwargs=kwargs)).content
    parsed = feedparser.parse(content)
    assert not parsed.bozo, parsed.bozo_exception
    root = etree.fromstring(content)
    t = {k: lf(v) for k, v in scene.texts.items()}
    v, site = t[field], t["site.name"]
    a = "{http://www.w3.org/2005/Atom}"
    dc = "{http://purl.org/dc/elements/1.1/}"
    if kind == "atom":
        feed_title, subtitle = root.findtext(f"{a}title"), root.findtext(f"{a}subtitle")
        entry = root.find(f"{a}entry")
        title = entry.findtext(f"{a}title")
        summary_html = entry.findtext(f"{a}summary")
        authors = [el.findtext(f"{a}name") for el in entry.findall(f"{a}author")]
        # An attribute keeps CR LF exactly (the writer escapes them as &#13;&#10;).
        categories = [el.get("term") for el in entry.findall(f"{a}category")]
        term = scene.texts[field]
        # Atom's feed-level subtitle is text; RSS's channel description is HTML.
        subtitle_text = subtitle
        html_parts = [summary_html]
    else:
        channel = root.find("channel")
        feed_title, subtitle_html = channel.findtext("title"), channel.findtext("description")
        entry = channel.find("item")
        title = entry.findtext("title")
        summary_html = entry.findtext("description")
        authors = [el.text for el in entry.findall(f"{dc}creator")]
        categories = [el.text for el in entry.findall("category")]
        term = v
        subtitle_text = "".join(fragment_texts(subtitle_html))
        html_parts = [summary_html, subtitle_html]
    reader = parsed.entries[0]
    where = {
        "post.title": [(title, v)],
        "post.standfirst": [("".join(fragment_texts(summary_html)), v)],
        "person.name": [
            (authors, [v, t["credit.public_label"]]),
            (feed_title, f"{v} – {site}"),
            (subtitle_text, f"Posts by {v}"),
            ([x.name for x in reader.authors][:1], [v]),
        ],
        "credit.public_label": [
            (authors, [t["person.name"], v]),
            ([x.name for x in reader.authors][1:], [v]),
        ],
        "topic.name": [
            (categories, [term]),
            (feed_title, f"{v} – {site}"),
            ([tag.term for tag in reader.tags], [term]),
        ],
        "topic.description": [(subtitle_text, v)],
        "site.name": [(feed_title, v), (parsed.feed.title, v)],
        "organisation.name": [(subtitle_text, f"Practice learning from {v}")],
    }[field]
    if field == "post.title" and kind == "atom":
        where.append((reader.title, v))  # Atom says its title is text; readers agree
    if field == "post.standfirst":
        where.append(("".join(fragment_texts(reader.summary)), v))
    shape = [html_structure(root)] + [
        [html_structure(node) for node in fragment(part) if not isinstance(node, str)]
        for part in html_parts
    ]
    return where, shape


def fragment_texts(markup):
    """The text of an HTML fragment, in order (strings and elements' text)."""
    for node in fragment(markup or ""):
        yield node if isinstance(node, str) else "".join(node.itertext())


def read_atom(client, scene, field):
    return read_feed(client, scene, field, "atom")


def read_rss(client, scene, field):
    return read_feed(client, scene, field, "rss")


# pylatexenc reads \textasciicircum as U+02C6; LaTeX, biber and Zotero print a caret.
_LATEX = latex2text.get_default_latex_context_db()
_LATEX.add_context_category(
    "caret", prepend=True, macros=[latex2text.MacroTextSpec("textasciicircum", "^")]
)


def latex_text(value):
    """What a LaTeX-aware reader (biber, Zotero) shows for a BibTeX value."""
    return latex2text.LatexNodes2Text(latex_context=_LATEX).latex_to_text(value)


def read_bibtex(client, scene, field):
    content = get(client, reverse("posts:cite-bibtex", args=[scene.post.slug])).content.decode()
    library = bibtexparser.parse_string(
        content, append_middleware=[SeparateCoAuthors(), SplitNameParts()]
    )
    assert not library.failed_blocks
    (entry,) = library.entries
    fields = {f.key: f.value for f in entry.fields}
    t = {k: one_line(v) for k, v in scene.texts.items()}
    v = t[field]

    def decoded_names():
        return [
            (latex_text(" ".join(n.last)), latex_text(" ".join(n.first))) for n in fields["author"]
        ]

    def name(text, corporate=False):
        *given, family = text.split()
        return (text, "") if corporate or not given else (family, " ".join(given))

    where = {
        "post.title": [(latex_text(fields["title"]), v)],
        "post.standfirst": [(latex_text(fields["abstract"]), v)],
        "person.name": [(decoded_names(), [name(v), name(t["credit.public_label"], True)])],
        "credit.public_label": [(decoded_names(), [name(t["person.name"]), name(v, True)])],
        "site.name": [(latex_text(fields["howpublished"]), v)],
        "organisation.name": [(latex_text(fields["organization"]), v)],
    }[field]
    assert entry.key.isascii() and entry.key.isalnum(), entry.key
    return where, [entry.entry_type, sorted(fields), len(fields["author"])]


def read_ris(client, scene, field):
    content = get(client, reverse("posts:cite-ris", args=[scene.post.slug])).content.decode()
    (entry,) = rispy.loads(content)
    t = {k: one_line(v) for k, v in scene.texts.items()}
    v = t[field]
    where = {
        "post.title": [(entry["title"], v)],
        "post.standfirst": [(entry["abstract"], v)],
        "person.name": [(entry["authors"], [inverted(v), t["credit.public_label"]])],
        "credit.public_label": [(entry["authors"], [inverted(t["person.name"]), v])],
        "site.name": [(entry["secondary_title"], v)],
        "organisation.name": [(entry["publisher"], v)],
    }[field]
    return where, [sorted(entry), len(entry["authors"]), content.count("\r\n")]


def read_email(client, scene, field):
    """The confirmation email a signup sends, parsed as a mail client would."""
    mail.outbox.clear()
    cache.clear()  # the signup rate limits count in the cache
    Subscriber.objects.all().delete()
    response = client.post(
        reverse("people:newsletter"),
        {
            "email": "sam@example.org",
            "name": scene.texts["subscriber.name"],
            "consent_version": consent.CURRENT_VERSION,
            "source": "/posts/",
            "website": "",
        },
    )
    assert response.status_code == 302
    run_worker()  # the request only queued the email; the worker sends it
    v = lf(scene.texts[field])
    if not mail.outbox:
        # Django refuses a header with a line break, and the subject names the
        # organisation: nothing is sent (so nothing is injected) and the failure is
        # recorded on the signup for the retry command, as for any failed send.
        assert field == "organisation.name" and "\n" in v
        assert "may not contain linefeed" in Subscriber.objects.get().confirmation_error
        return [], None
    (sent,) = mail.outbox
    message = email.message_from_bytes(bytes(sent.message()), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    markup = message.get_body(("html",)).get_content()
    doc = parse_html(markup)
    where = {
        "site.name": [
            (f"entered on the {v} website." in text, True),
            (f"entered on the {v} website." in "".join(doc.xpath("//p")[-1].itertext()), True),
        ],
        "organisation.name": [
            (text.split("\n\n", 1)[0], v),
            ("".join(doc.xpath("//p")[0].itertext()), v),
            # Folding may start the value on the next line; clients drop that space.
            (str(message["Subject"]).strip(), f"Confirm your subscription to the {v} newsletter"),
        ],
        # Emails do not print the subscriber's name (documented): nothing to escape.
        "subscriber.name": [(v in text or v in markup, False)],
    }[field]
    shape = [
        sorted(message.keys()),
        [part.get_content_type() for part in message.walk()],
        html_structure(doc),
    ]
    return where, shape


def read_search(client, scene, field):
    url = reverse("posts:search") + f"?q={SEARCH_WORD}"
    doc = parse_html(get(client, url).content)
    (hit,) = doc.xpath("//li[@class='search-hit']")
    v = lf(scene.texts[field])
    if field == "post.standfirst":
        (snippet,) = hit.xpath(".//p[@class='search-hit__snippet']")
        marks = [el.text for el in snippet.iter() if el is not snippet]
        shown = "".join(snippet.itertext())
        # The standfirst's snippet is cut from the indexed "meta" text: the standfirst,
        # then the topics and public author names. Each piece between ellipses is part
        # of that text as typed.
        t = scene.texts
        typed = one_line(
            f"{v} {SEARCH_WORD} {t['topic.name']} {t['person.name']} {t['credit.public_label']}"
        )
        pieces = [p.strip() for p in shown.split("…") if p.strip()]
        where = [
            (marks, [SEARCH_WORD]),
            ([p in typed for p in pieces], [True] * len(pieces)),
            (SEARCH_WORD in shown, True),
        ]
    else:
        where = {
            "post.title": [(texts_of(hit, ".//h2/a"), [v])],
            "person.name": [(texts_of(hit, ".//p[@class='post-card__meta']/a"), [v])],
            "topic.name": [
                (texts_of(hit, ".//a[@class='topic-tag']"), [v]),
                (texts_of(doc, "//ul[@aria-labelledby='facet-topics']/li/a"), [f"{v} (1)"]),
            ],
        }[field]
    return where, [html_structure(doc)]


READERS = {
    "html": read_html,
    "json-ld": read_json_ld,
    "atom": read_atom,
    "rss": read_rss,
    "bibtex": read_bibtex,
    "ris": read_ris,
    "email": read_email,
    "search": read_search,
}

# Where each field is printed.
CASES = [
    *[(field, "html") for field in DEFAULTS],
    *[
        (field, "json-ld")
        for field in (
            "post.title",
            "post.standfirst",
            "post.seo_description",
            "person.name",
            "credit.public_label",
            "topic.name",
            "organisation.name",
        )
    ],
    *[
        (field, kind)
        for kind in ("atom", "rss")
        for field in (
            "post.title",
            "post.standfirst",
            "person.name",
            "credit.public_label",
            "topic.name",
            "topic.description",
            "site.name",
            "organisation.name",
        )
    ],
    *[
        (field, kind)
        for kind in ("bibtex", "ris")
        for field in (
            "post.title",
            "post.standfirst",
            "person.name",
            "credit.public_label",
            "site.name",
            "organisation.name",
        )
    ],
    *[(field, "email") for field in ("site.name", "organisation.name", "subscriber.name")],
    *[
        (field, "search")
        for field in ("post.title", "post.standfirst", "person.name", "topic.name")
    ],
]


@pytest.mark.parametrize(("field", "fmt"), CASES, ids=[f"{f}-{fmt}" for f, fmt in CASES])
@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_plain_text_reads_back_as_typed_and_injects_nothing(client, settings, field, fmt, hostile):
    texts = {**DEFAULTS, field: fit(field, hostile)}
    scene = Scene(settings, texts, search_snippet=(fmt, field) == ("search", "post.standfirst"))
    read = READERS[fmt]

    found, shape = read(client, scene, field)
    for got, expected in found:
        assert got == expected

    if shape is None:  # refused, as that format documents (see read_email)
        return
    if (field, fmt) not in BENIGN_SHAPES:  # the same for every hostile string: read once
        scene.set(field, fit(field, BENIGN))
        BENIGN_SHAPES[field, fmt] = read(client, scene, field)[1]
    assert shape == BENIGN_SHAPES[field, fmt], "the hostile text changed the output's structure"


BENIGN_SHAPES = {}


def test_the_sweep_covers_every_field_in_every_format_it_appears_in():
    formats = {fmt for _, fmt in CASES}
    assert formats == set(READERS)
    assert {field for field, _ in CASES} == set(DEFAULTS)


def test_sitemap_carries_addresses_only_whatever_the_text(client, settings):
    scene = Scene(settings, {**DEFAULTS, **{f: fit(f, HOSTILE["script-close"]) for f in DEFAULTS}})
    index = etree.fromstring(get(client, reverse("sitemap")).content)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    sections = [el.text for el in index.iter(f"{ns}loc")]
    roots = [index] + [
        etree.fromstring(get(client, s.removeprefix("http://testserver")).content) for s in sections
    ]
    locs = [el.text for root in roots for el in root.iter(f"{ns}loc")]
    assert "http://testserver" + scene.post.get_absolute_url() in locs
    assert all(loc.startswith("http://testserver/") for loc in locs)
    assert not any("script" in etree.tostring(root, encoding=str) for root in roots)


def test_the_search_highlight_marks_cannot_be_typed(client, settings):
    # Snippets are escaped, then the backend's two private-use marks become <mark>:
    # typed ones must not, or a topic name could open a <mark> that never closes.
    texts = {**DEFAULTS, "topic.name": "Open \ue000 and close \ue001 marks"}
    Scene(settings, texts, search_snippet=True)
    doc = parse_html(get(client, reverse("posts:search") + f"?q={SEARCH_WORD}").content)
    (snippet,) = doc.xpath("//p[@class='search-hit__snippet']")
    assert [el.text for el in snippet.iter("mark")] == [SEARCH_WORD]
