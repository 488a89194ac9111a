import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html

from posts.models import Credit, Resource
from tests.factories import make_person, make_post, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    """A small site: one public post, a draft, a scheduled post and an anonymous post."""
    alan = make_person(
        "Alan Wallace", job_title="Systems Lead", email="alan@example.org", show_email=True
    )
    hidden = make_person("Hidden Writer")
    topic = make_topic("Co-production", description="Sharing power with people who use services.")
    public = make_post(
        "Joined up support",
        authors=[(alan, {"role_title": "Systems Change Officer"})],
        contacts=[(alan, {"role_title": "Systems Change Officer"})],
        topics=[topic],
        body="<h2>Why</h2><p>Because.</p>",
    )
    Resource.objects.create(
        post=public,
        kind=Resource.Kind.ARTICLE,
        title="A case study",
        doi="10.1108/HCS-12-2021-0043",
    )
    draft = make_post("Secret draft", published=False, authors=[alan], topics=[topic])
    scheduled = make_post(
        "Future post",
        published_at=timezone.now() + timedelta(days=2),
        authors=[alan],
        topics=[topic],
    )
    anonymous = make_post(
        "Seeing the whole person",
        authors=[(hidden, {"anonymous": True, "public_label": "Anonymous team member"})],
        topics=[topic],
    )
    return {
        "alan": alan, "hidden": hidden, "topic": topic, "public": public,
        "draft": draft, "scheduled": scheduled, "anonymous": anonymous,
    }  # fmt: skip


def public_pages(site):
    return [
        reverse("posts:home"),
        reverse("posts:list"),
        reverse("posts:list") + f"?topic={site['topic'].slug}",
        reverse("posts:topics"),
        site["topic"].get_absolute_url(),
        site["alan"].get_absolute_url(),
        site["public"].get_absolute_url(),
        site["anonymous"].get_absolute_url(),
    ]


def test_every_public_page_answers_200(client, site):
    for url in public_pages(site):
        assert client.get(url).status_code == 200, url


def test_drafts_and_scheduled_posts_appear_on_no_public_page(client, site):
    for url in public_pages(site):
        html = client.get(url).content.decode()
        assert "Secret draft" not in html, url
        assert "Future post" not in html, url
    assert client.get(site["draft"].get_absolute_url()).status_code == 404
    assert client.get(site["scheduled"].get_absolute_url()).status_code == 404


def test_staff_can_preview_a_draft(staff_client, site):
    response = staff_client.get(site["draft"].get_absolute_url())
    assert response.status_code == 200
    assert "this post is a draft and is not public" in response.content.decode()


def test_anonymous_authors_name_never_appears_publicly(client, site):
    for url in public_pages(site):
        assert "Hidden Writer" not in client.get(url).content.decode(), url
    post_page = client.get(site["anonymous"].get_absolute_url()).content.decode()
    assert "Anonymous team member" in post_page
    # Someone credited only anonymously has no public page at all.
    assert client.get(site["hidden"].get_absolute_url()).status_code == 404


def test_home_lists_latest_posts_and_topics(client, site):
    response = client.get(reverse("posts:home"))
    html = response.content.decode()
    assert "Joined up support" in html
    assert "Co-production" in html
    assert html.count("<h1") == 1


def test_post_page_shows_byline_roles_contact_resources_and_topics(client, site):
    response = client.get(site["public"].get_absolute_url())
    html = response.content.decode()
    assert "<h1>Joined up support</h1>" in html
    assert "Standfirst of Joined up support." in html
    assert "Systems Change Officer" in html
    assert 'href="mailto:alan@example.org"' in html
    assert 'href="https://doi.org/10.1108/HCS-12-2021-0043"' in html
    assert "<h2>Why</h2>" in html
    assert "1 minute read" in html
    assert site["topic"].get_absolute_url() in html


def test_post_page_lists_related_posts_by_shared_topic(client, site):
    response = client.get(site["public"].get_absolute_url())
    assert list(response.context["related_posts"]) == [site["anonymous"]]


def test_post_list_filters_by_topic_and_year(client, site):
    other = make_post("Other topic", topics=[make_topic("Employment")])
    response = client.get(reverse("posts:list"), {"topic": site["topic"].slug})
    assert site["public"] in response.context["object_list"]
    assert other not in response.context["object_list"]

    year = site["public"].published_at.year
    response = client.get(reverse("posts:list"), {"year": year})
    assert response.context["paginator"].count == 3
    response = client.get(reverse("posts:list"), {"year": year - 5})
    assert response.context["paginator"].count == 0


@pytest.mark.parametrize(
    "query", ["year=abc", "year=99999999999", "topic=no-such-topic", "topic=%00"]
)
def test_malformed_filters_get_a_400_with_a_message(client, site, query):
    response = client.get(reverse("posts:list") + "?" + query)
    assert response.status_code == 400
    assert "Those filters did not work" in response.content.decode()


@pytest.mark.parametrize("page", ["99", "0", "-1", "abc", "1.5"])
def test_out_of_range_or_malformed_page_is_404(client, site, page):
    assert client.get(reverse("posts:list"), {"page": page}).status_code == 404
    assert client.get(site["topic"].get_absolute_url(), {"page": page}).status_code == 404


def test_pagination_keeps_the_filter(client):
    topic = make_topic("Systems change")
    for i in range(12):
        make_post(f"Post number {i}", topics=[topic])
    response = client.get(reverse("posts:list"), {"topic": topic.slug})
    assert f"?topic={topic.slug}&amp;page=2" in response.content.decode()
    assert client.get(reverse("posts:list"), {"topic": topic.slug, "page": 2}).status_code == 200


@pytest.mark.parametrize(
    "url", ["/posts/no-such-post/", "/topics/no-such-topic/", "/people/nobody/", "/nothing/"]
)
def test_unknown_addresses_get_the_friendly_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_topic_index_counts_only_published_posts(client, site):
    response = client.get(reverse("posts:topics"))
    topic = next(t for t in response.context["topics"] if t.pk == site["topic"].pk)
    assert topic.post_count == 2


def test_person_page_lists_posts_they_are_credited_on(client, site):
    response = client.get(site["alan"].get_absolute_url())
    assert list(response.context["object_list"]) == [site["public"]]
    assert "Systems Lead" in response.content.decode()


def test_contact_email_hidden_unless_person_allows_it(client, site):
    site["alan"].show_email = False
    site["alan"].save()
    html = client.get(site["public"].get_absolute_url()).content.decode()
    assert "alan@example.org" not in html


def test_anonymous_contact_has_no_email(client):
    person = make_person("Private", email="private@example.org", show_email=True)
    post = make_post("Anon contact")
    Credit.objects.create(post=post, person=person, role=Credit.Role.CONTACT, anonymous=True)
    html = client.get(post.get_absolute_url()).content.decode()
    assert "private@example.org" not in html
    assert "Private" not in html


def test_server_error_page_is_friendly_and_standalone():
    # handler500 renders 500.html with no context; it must not depend on base.html's context.
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Sorry, something went wrong" in html
    assert "The problem is on our side" in html


def selected_filters(response):
    doc = lxml_html.fromstring(response.content)
    form = doc.xpath("//form[contains(@class, 'filters')]")[0]
    return {
        select.get("name"): select.xpath("./option[@selected]/@value")
        for select in form.xpath(".//select")
    }


def test_filter_form_shows_the_filters_in_force_even_when_nothing_matches(client, site):
    """The heading says "Co-production from 2011": the boxes must say so too."""
    empty_topic = make_topic("Women")
    year = site["public"].published_at.year - 11
    response = client.get(reverse("posts:list"), {"topic": empty_topic.slug, "year": year})
    assert response.status_code == 200
    assert selected_filters(response) == {"topic": [empty_topic.slug], "year": [str(year)]}
    doc = lxml_html.fromstring(response.content)
    assert doc.xpath("string(//h1)") == f"All posts: Women from {year}"
    # Other years stay on offer, newest first.
    years = doc.xpath("//select[@name='year']/option/@value")
    assert years == ["", str(site["public"].published_at.year), str(year)]

    response = client.get(reverse("posts:list"), {"topic": site["topic"].slug})
    assert selected_filters(response) == {"topic": [site["topic"].slug], "year": [""]}
    response = client.get(reverse("posts:list"))
    assert selected_filters(response) == {"topic": [""], "year": [""]}


def post_dates(response):
    text = lxml_html.fromstring(response.content).xpath("string(//p[@class='post__dates'])")
    return " ".join(text.split())


def test_staff_preview_says_draft_or_scheduled_not_published(staff_client, site):
    draft = post_dates(staff_client.get(site["draft"].get_absolute_url()))
    assert draft == "Draft · 1 minute read"

    scheduled = site["scheduled"]
    when = timezone.localtime(scheduled.published_at).strftime("%-d %B %Y, %H:%M")
    response = staff_client.get(scheduled.get_absolute_url())
    assert post_dates(response) == f"Scheduled for {when} · 1 minute read"

    assert post_dates(staff_client.get(site["public"].get_absolute_url())).startswith("Published ")


# HTML's "valid date string", "valid local date and time string" and "valid global
# date and time string": fractions of a second at most three digits (milliseconds).
HTML_DATETIME = re.compile(
    r"\d{4,}-\d\d-\d\d"
    r"(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,3})?)?(?:Z|[+-]\d\d:?\d\d)?)?"
)


def test_every_datetime_attribute_is_a_valid_html_date_or_time(client, site):
    make_post("Sub-second", published_at=timezone.now().replace(microsecond=123456))
    pages = [
        *public_pages(site),
        reverse("posts:search") + "?q=joined",
        reverse("posts:search"),
        reverse("site:page", kwargs={"slug": "privacy"}),
    ]
    checked = 0
    for url in pages:
        doc = lxml_html.fromstring(client.get(url).content)
        for value in doc.xpath("//@datetime"):
            assert HTML_DATETIME.fullmatch(value), (url, value)
            checked += 1
    assert checked >= len(pages)
