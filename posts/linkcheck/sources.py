"""What the checker reads in posts and people. Each source yields one dict per object:

    {"model": Model, "pk": 1, "label": "Title",
     "html": [(place, html)], "text": [(place, plain text)],
     "urls": [(place, url, link text)], "dois": [(place, doi)]}

settings.LINKCHECK_SOURCES names them, with the site app's pages
(flse_hub/site/linkcheck_sources.py), so that no app here imports flse_hub.site.
"""

from collections import defaultdict


def posts():
    """Every post (drafts too: a broken link is best fixed before publishing): its body,
    standfirst, DOI, and its resources' addresses and DOIs."""
    from posts.models import Post, Resource

    resources = defaultdict(list)
    for post_id, title, url, doi in Resource.objects.values_list("post_id", "title", "url", "doi"):
        resources[post_id].append((title, url, doi))
    for post in Post.objects.only("pk", "title", "standfirst", "body", "doi").iterator(2000):
        attached = resources.get(post.pk, [])
        yield {
            "model": Post,
            "pk": post.pk,
            "label": post.title,
            "html": [("body", post.body)],
            "text": [("standfirst", post.standfirst)],
            "urls": [(f"resource “{title}”", url, title) for title, url, _ in attached if url],
            "dois": [("the post's DOI", post.doi)]
            + [(f"resource “{title}”", doi) for title, _, doi in attached if doi],
        }


def people():
    """Addresses typed into a person's bio (plain text)."""
    from people.models import Person

    for person in Person.objects.exclude(bio="").only("pk", "name", "bio").iterator(2000):
        yield {
            "model": Person,
            "pk": person.pk,
            "label": person.name,
            "text": [("bio", person.bio)],
        }
