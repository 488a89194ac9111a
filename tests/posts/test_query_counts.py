"""Each public page runs the same number of SQL queries with 10 posts as with 200, and no
more than five, when it is rendered (the page cache is off here; tests/test_page_cache.py
covers pages served whole).

Figures over the whole archive (topic counts, years, page starts) and related posts are
kept per content version (posts.archive), so they are read warm here as on a live site:
only the first page after a change works them out.
"""

import pytest
from django.urls import reverse

from posts.models import Post, Resource
from tests.factories import make_person, make_post, make_topic

pytestmark = pytest.mark.django_db


def build_site(n_posts, prefix):
    people = [make_person(f"{prefix} writer {i}") for i in range(6)]
    topics = [make_topic(f"{prefix} subject {i}") for i in range(8)]
    for i in range(n_posts):
        post = make_post(
            f"{prefix} post {i:03d}",
            authors=[people[i % 6], people[(i + 1) % 6], people[(i + 2) % 6]],
            contacts=[people[(i + 3) % 6]],
            topics=[topics[i % 8], topics[(i + 3) % 8], topics[(i + 5) % 8]],
        )
        Resource.objects.create(post=post, title="Toolkit", url="https://example.org/t.pdf")
    make_post(f"{prefix} unfinished", published=False, authors=[people[0]], topics=[topics[0]])
    return people, topics


def page_urls(people, topics):
    post = Post.objects.published().first()
    last_page = -(-Post.objects.published().count() // 10)
    return {
        "home": reverse("posts:home"),
        "post list": reverse("posts:list"),
        "post list, topic and year": reverse("posts:list")
        + f"?topic={topics[0].slug}&year={post.published_at.year}",
        "post": post.get_absolute_url(),
        "topic index": reverse("posts:topics"),
        "topic": topics[0].get_absolute_url(),
        "person": people[0].get_absolute_url(),
        "post list, last page": reverse("posts:list") + f"?page={last_page}",
        "feed": reverse("posts:feed-atom"),
        "sitemap index": reverse("sitemap"),
        "sitemap of posts": reverse("sitemap-section", kwargs={"section": "posts"}),
        "search, nothing asked yet": reverse("posts:search"),
    }


def count_queries(client, url, assert_max_queries):
    # Warm: the site's identity (settings and menus) and the archive's figures are read
    # once per content version and then cached.
    client.get(url)
    with assert_max_queries(5) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    # Deep pages start from a kept (published_at, pk), never an OFFSET past newer posts.
    assert not [q for q in queries.captured_queries if "OFFSET" in q["sql"].upper()], url
    return len(queries)


def test_query_counts_do_not_grow_with_the_number_of_posts(
    client, settings, django_assert_max_num_queries
):
    settings.PAGE_CACHE_SECONDS = 0  # renders, not pages kept whole (tests/test_page_cache.py)

    def counts(people, topics):
        return {
            name: count_queries(client, url, django_assert_max_num_queries)
            for name, url in page_urls(people, topics).items()
        }

    small = counts(*build_site(10, "small"))
    Post.objects.all().delete()
    large = counts(*build_site(200, "large"))

    assert small == large
    # Pin the figures so a new N+1 shows up as a failing number, not a slow page.
    # Each includes one query for the content version (flse_hub.freshness).
    assert large == {
        "home": 4,
        "post list": 4,
        "post list, topic and year": 5,
        "post": 5,
        "topic index": 1,
        "topic": 5,
        "person": 5,
        "post list, last page": 4,
        "feed": 4,
        "sitemap index": 1,
        "sitemap of posts": 2,
        "search, nothing asked yet": 4,
    }
